"""The chaos run's workload and what it checks against the simulator afterwards.

``Load`` keeps one run of each kind going on the real dev server: a launch (a campaign, an ad
group, two ads), an optimization cycle, a rejection recovery (an ad the simulator's review
rejects, a pool creative to replace it with) and a streaming audience sync. The checks read
TikTok's side from the simulator: objects made once each, every recorded change live, every
audience member once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from activities.rollback import RESTORABLE
from models.recovery_tables import PoolCreativeRow
from models.tables import ChangeLogRow
from simulator import DEMO_ACCESS_TOKEN, SimulatorServer
from store import Store, pool
from tests.workflows.launch_helpers import ADV, VIDEO, launch_input

AUDIENCE_ROWS = 200
SPARE_VIDEO = "v10033g50000demo0002"


@dataclass
class Started:
    kind: str  # launch | cycle | recovery | audience
    handle: WorkflowHandle[Any, Any]


@dataclass
class Expected:
    created: Counter[str] = field(default_factory=Counter)
    launch_names: list[str] = field(default_factory=list)
    audiences: dict[str, int] = field(default_factory=dict)
    direct: Counter[str] = field(default_factory=Counter)  # made by the harness, not a workflow


class Tiktok:
    """The harness's own calls to the simulator's API (setting up a rejected ad): retried
    through the injected faults, which are only ever refusals or delays before the answer."""

    def __init__(self, sim: SimulatorServer) -> None:
        self.http = httpx.AsyncClient(
            base_url=sim.api_url, headers={"Access-Token": DEMO_ACCESS_TOKEN}, timeout=60
        )

    async def post(self, path: str, **body: Any) -> Any:
        for _ in range(50):
            try:
                answer = await self.http.post(path, json={"advertiser_id": ADV, **body})
            except httpx.TransportError:
                await asyncio.sleep(0.2)
                continue
            if answer.status_code == 200 and answer.json().get("code") == 0:
                return answer.json()["data"]
            await asyncio.sleep(0.2)
        raise AssertionError(f"{path} kept failing: {answer.text[:200]}")

    async def aclose(self) -> None:
        await self.http.aclose()


KINDS = ("launch", "cycle", "recovery", "audience")


@dataclass
class Load:
    """Starts one more run of a kind; what it should leave on TikTok goes into ``expected``."""

    client: Client
    task_queue: str
    store: Store
    api: Tiktok
    folder: Path
    tag: str
    expected: Expected = field(default_factory=Expected)
    count: Counter[str] = field(default_factory=Counter)

    async def start(self, kind: str) -> Started:
        n = self.count[kind] = self.count[kind] + 1
        workflow, arg, wid = await getattr(self, f"_{kind}")(n)
        handle = await self.client.start_workflow(
            workflow, arg, id=wid, task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )  # fmt: skip
        return Started(kind, handle)

    async def _launch(self, n: int) -> tuple[str, Any, str]:
        name = f"Chaos {self.tag} launch {n}"
        inp = launch_input(name, "none")
        self.expected.launch_names.append(name)
        self.expected.created["campaign"] += 1
        self.expected.created["adgroup"] += len(inp.adgroups)
        self.expected.created["ad"] += sum(len(g.ads) for g in inp.adgroups)
        return "CampaignLaunch", inp.model_dump(mode="json"), f"chaos-launch-{self.tag}-{n}"

    async def _cycle(self, n: int) -> tuple[str, Any, str]:
        return "OptimizationCycle", {"advertiser_id": ADV}, f"chaos-cycle-{self.tag}-{n}"

    async def _recovery(self, n: int) -> tuple[str, Any, str]:
        """An ad TikTok's review rejects, and a pool creative for its campaign to replace it."""
        api, name = self.api, f"Chaos {self.tag} recovery {n}"
        campaign = await api.post("campaign/create/", campaign_name=name, objective_type="WEB_CONVERSIONS")
        group = await api.post(
            "adgroup/create/", campaign_id=campaign["campaign_id"], adgroup_name=f"{name} group",
            budget_mode="BUDGET_MODE_DAY", budget=50, optimization_goal="CONVERT", billing_event="OCPM",
        )  # fmt: skip
        creative = {"ad_name": "Hero", "ad_text": "A miracle serum", "ad_format": "SINGLE_VIDEO",
                    "video_id": VIDEO, "landing_page_url": "https://shop.example/"}  # fmt: skip
        made = await api.post("ad/create/", adgroup_id=group["adgroup_id"], creatives=[creative])
        self.expected.direct.update({"campaign": 1, "adgroup": 1, "ad": 1})
        self.expected.created["ad"] += 1  # the replacement
        async with self.store.session() as session:
            item = PoolCreativeRow(
                advertiser_id=ADV, campaign_id=campaign["campaign_id"], creative_id=SPARE_VIDEO,
                ad_text="Fresh look for spring", added_by="chaos",
            )  # fmt: skip
            await pool.add(session, item)
        await asyncio.sleep(1.2)  # review takes 1 s: the ad is rejected when the recovery reads it
        ad_id = str(made["ad_ids"][0])
        inp = {"advertiser_id": ADV, "ad_id": ad_id, "poll_seconds": 2, "source": "operator"}
        return "RejectionRecovery", inp, f"recover-{ad_id}"

    async def _audience(self, n: int) -> tuple[str, Any, str]:
        audience = f"chaos-{self.tag}-{n}"
        rows = self.folder / f"{audience}.csv"
        rows.write_text(
            "email\n" + "\n".join(f"{audience}-{i}@example.com" for i in range(AUDIENCE_ROWS)) + "\n"
        )
        self.expected.audiences[audience] = AUDIENCE_ROWS
        inp = {"advertiser_id": ADV, "api_mode": "STREAMING", "audience_names": audience, "thread_count": 2,
               "source": {"path": str(rows)}}  # fmt: skip
        return "AudienceSync", inp, f"chaos-audience-{self.tag}-{n}"


def outcome_problems(kind: str, result: Any) -> list[str]:
    """What is wrong with a finished run's result (a dict: results are read without types)."""
    if kind == "launch" and result.get("outcome") != "launched":
        return [f"launch ended {result.get('outcome')}: {result.get('reason')}"]
    if kind == "recovery" and result.get("outcome") != "restored":
        return [f"recovery ended {result.get('outcome')}: {json.dumps(result.get('status'))[:300]}"]
    if kind == "cycle" and result.get("outcome") not in ("applied", "nothing_to_do"):
        return [f"cycle ended {result.get('outcome')}"]
    return []


async def tiktok_problems(sim: SimulatorServer, store: Store, expected: Expected, since: int) -> list[str]:
    """Duplicates, lost or double-applied changes, audiences not exactly once."""
    state, stats = sim.sim.state, sim.sim.stats
    problems: list[str] = []
    for kind in ("campaign", "adgroup", "ad"):
        made = stats.created[kind] - expected.direct[kind]
        if made != expected.created[kind]:
            problems.append(f"{kind}s made by workflows: {made}, expected {expected.created[kind]}")
    names = Counter(c["campaign_name"] for c in state.campaigns.values())
    problems += [f"campaign {n!r} exists {names[n]} times" for n in expected.launch_names if names[n] != 1]
    live = {"campaign": state.campaigns, "adgroup": state.adgroups, "ad": state.ads}
    async with store.session() as session:
        rows = (await session.execute(select(ChangeLogRow).where(ChangeLogRow.id > since))).scalars().all()
    last: dict[tuple[str, str, str], Any] = {}
    for row in sorted(rows, key=lambda r: r.id or 0):
        for key, value in (row.after or {}).items():
            if key in RESTORABLE:
                last[(row.entity_type, row.entity_id, key)] = value
    for (kind, entity_id, key), value in last.items():
        now = live.get(kind, {}).get(entity_id, {}).get(key)
        if now is not None and _differs(now, value):
            problems.append(f"{kind} {entity_id}.{key}: TikTok has {now}, the change log says {value}")
    return problems + await _audience_problems(sim, expected)


def _differs(a: Any, b: Any) -> bool:
    try:
        return abs(float(a) - float(b)) > 0.005
    except (TypeError, ValueError):
        return str(a) != str(b)


async def _audience_problems(sim: SimulatorServer, expected: Expected) -> list[str]:
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=30) as http:
        audiences = (await http.get("/sim/audiences", params={"advertiser_id": ADV})).json()
    problems = []
    for name, rows in expected.audiences.items():
        mine = [a for a in audiences if a["name"] == name]
        if len(mine) != 1 or mine[0]["held"] != rows:
            problems.append(
                f"audience {name}: {[(a['audience_id'], a['held']) for a in mine]}, expected one of {rows}"
            )
    return problems
