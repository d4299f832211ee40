"""The parts a rejection recovery runs on, all real: the simulator (review with a delay,
signed webhooks), the receiver on a socket, the worker, the store, the dev server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from temporalio.client import Client

from activities.context import Dependencies
from connector import TikTokClient
from models.recovery_tables import PoolCreativeRow
from settings import Settings
from simulator import DEMO_ACCESS_TOKEN, DEMO_ADVERTISER_ID, SimulatorServer
from store import Store, TokenCipher, pool
from tests.simulator.helpers import small_scenario
from tests.workflows.helpers import connect_advertiser, running_worker
from webhooks import PATH, create_app
from webhooks.serve import serving

ADV = DEMO_ADVERTISER_ID
SPARE_VIDEO = "v10033g50000demo0002"  # a ready video of the demo scenario
OTHER_VIDEO = "v10033g50000demo0003"


@dataclass
class Stack:
    sim: SimulatorServer
    client: Client
    store: Store
    task_queue: str
    receiver_url: str
    receiver_stats: Any
    tiktok: TikTokClient
    settings: Settings

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.sim.api_url, headers={"Access-Token": DEMO_ACCESS_TOKEN}, timeout=10
        )

    async def admin(self, path: str, body: Any) -> Any:
        async with httpx.AsyncClient(base_url=f"{self.sim.base_url}/sim/", timeout=10) as http:
            answer = await http.post(path, json=body)
            answer.raise_for_status()
            return answer.json()

    async def deliveries(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=f"{self.sim.base_url}/sim/", timeout=10) as http:
            data: list[dict[str, Any]] = (await http.get("webhook/deliveries")).json()
            return data

    async def call(self, method: str, path: str, **body: Any) -> Any:
        async with self.api() as api:
            if method == "GET":
                params = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in body.items()}
                answer = await api.get(path, params={"advertiser_id": ADV, **params})
            else:
                answer = await api.post(path, json={"advertiser_id": ADV, **body})
        envelope = answer.json()
        assert envelope["code"] == 0, envelope
        return envelope["data"]

    async def new_adgroup(self) -> tuple[str, str]:
        """A new campaign with one ad group; ``(campaign_id, adgroup_id)``."""
        name = f"Recovery {time.monotonic_ns()}"
        campaign = await self.call(
            "POST", "campaign/create/", campaign_name=name, objective_type="WEB_CONVERSIONS"
        )
        group = await self.call(
            "POST",
            "adgroup/create/",
            campaign_id=campaign["campaign_id"],
            adgroup_name=f"{name} group",
            budget_mode="BUDGET_MODE_DAY",
            budget=50,
            optimization_goal="CONVERT",
            billing_event="OCPM",
        )
        return campaign["campaign_id"], group["adgroup_id"]

    async def add_ad(self, adgroup_id: str, ad_text: str, **fields: Any) -> str:
        """One enabled ad in the ad group (it goes to review at once)."""
        creative = {
            "ad_name": "Hero",
            "ad_text": ad_text,
            "ad_format": "SINGLE_VIDEO",
            "video_id": "v10033g50000demo0001",
            "landing_page_url": "https://shop.example/",
            **fields,
        }
        made = await self.call("POST", "ad/create/", adgroup_id=adgroup_id, creatives=[creative])
        return str(made["ad_ids"][0])

    async def add_to_pool(self, campaign_id: str, video_id: str, ad_text: str) -> int:
        """An approved pool creative for this campaign (tests share the store: never advertiser-wide)."""
        item = PoolCreativeRow(
            advertiser_id=ADV, campaign_id=campaign_id, creative_id=video_id, ad_text=ad_text, added_by="test"
        )
        async with self.store.session() as session:
            row = await pool.add(session, item)
            assert row.id is not None
            return row.id

    async def get(self, kind: str, object_id: str) -> dict[str, Any]:
        data = await self.call("GET", f"{kind}/get/", filtering={f"{kind}_ids": [object_id]})
        found: dict[str, Any] = data["list"][0]
        return found


@asynccontextmanager
async def recovery_stack(
    client: Client, store: Store, cipher: TokenCipher, *, seed: int, review_delay: float = 1.0
) -> AsyncIterator[Stack]:
    """Simulator (own scenario seed, so ad ids differ between tests sharing the store),
    worker, receiver; review takes ``review_delay`` seconds and rejects 'miracle'."""
    with SimulatorServer(small_scenario(seed=seed), port=0) as sim:
        await connect_advertiser(store, cipher, ADV, DEMO_ACCESS_TOKEN)
        async with running_worker(client, store, cipher, sim.base_url) as task_queue:
            settings = Settings(task_queue=task_queue, tiktok_base_url=sim.base_url, recovery_poll_seconds=1)
            app = create_app(settings, store=store, client=client, cipher=cipher)
            deps = Dependencies.build(settings, store=store, cipher=cipher)
            async with serving(app) as url:
                stack = Stack(sim, client, store, task_queue, url, app.state.stats, deps.tiktok, settings)
                await stack.admin(
                    "review",
                    {"delay_seconds": review_delay, "forbidden_words": ["miracle"],
                     "reject_landing_pages": ["broken.example"]},
                )  # fmt: skip
                await stack.admin("webhook", {"url": url + PATH, "retry_base_seconds": 0.2})
                try:
                    yield stack
                finally:
                    await deps.tiktok.aclose()
                    await deps.oauth.aclose()


async def wait_for_state(stack: Stack, workflow_id: str, state: str, within: float = 60) -> dict[str, Any]:
    """Poll the recovery's ``status`` query until it reaches ``state``."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        try:
            handle = stack.client.get_workflow_handle(workflow_id)
            last = await handle.query("status")
            status = last if isinstance(last, dict) else last.model_dump()
            if status["state"] == state:
                return status
        except Exception as exc:  # not started yet
            last = exc
        await asyncio.sleep(0.2)
    raise AssertionError(f"{workflow_id} did not reach {state}; last: {last}")
