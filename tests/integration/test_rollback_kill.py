"""A rollback survives a dead worker: a real ``worker.py`` process is killed with SIGKILL
while a Rollback has just paused the launch's campaign on TikTok but not yet heard back
(the simulator holds the answer), a new process takes over, and the rollback finishes:
everything back as before the launch, each object restored once, one change-log row per
restore, no conflict from the restore the dead attempt already made."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from connector.client import TikTokClient
from connector.management import list_adgroups, list_ads, list_campaigns
from models.launch import LaunchResult
from models.rollback import RollbackInput, RollbackResult
from simulator import SimulatorServer
from store import Store
from store.changes import changes_for
from tests.integration.processes import Workers, seed_store, tail, worker_env
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN
from tests.workflows.launch_helpers import launch_input

pytestmark = pytest.mark.integration
HOLD_S = 20.0
RECOVER_S = 150.0  # the restore activity's 45 s heartbeat timeout, then the rest of the rollback


async def test_a_rollback_killed_mid_restore_finishes_once(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    db = tmp_path / "app.db"
    await seed_store(db, tmp_path)
    task_queue = f"tiktok-ads-rollback-kill-{uuid.uuid4().hex[:8]}"
    with SimulatorServer(port=0) as sim:
        temporal = dev_env.client.service_client.config.target_host
        env = worker_env(tmp_path, f"sqlite:///{db}", temporal, task_queue, sim.base_url)
        workers = Workers(env, tmp_path)

        try:
            first = workers.start()
            name = f"Rollback kill {uuid.uuid4().hex[:6]}"
            launch_id = f"launch-rk-{uuid.uuid4().hex[:6]}"
            launched: LaunchResult = await dev_env.client.execute_workflow(
                "CampaignLaunch", launch_input(name, "none"), id=launch_id, task_queue=task_queue,
                result_type=LaunchResult,
            )  # fmt: skip
            assert launched.outcome == "launched"
            async with httpx.AsyncClient(base_url=sim.base_url, timeout=10) as http:
                hold = {"kind": "delay_after_mutation", "seconds": HOLD_S, "path": "campaign/status/update/",
                        "max_count": 1}  # fmt: skip
                (await http.post("/sim/faults", json={"seed": 1, "rules": [hold]})).raise_for_status()
                campaign_id = launched.created.campaign_id
                assert campaign_id
                rollback = await dev_env.client.start_workflow(
                    "Rollback",
                    RollbackInput(workflow_id=launch_id, actor="ada"),
                    id=f"rollback-rk-{uuid.uuid4().hex[:6]}",
                    task_queue=task_queue,
                    result_type=RollbackResult,
                )
                deadline = asyncio.get_running_loop().time() + 60
                while (await http.get("/sim/stats")).json()["faults"].get("delay_after_mutation", 0) < 1:
                    assert first.poll() is None, tail(workers.logs)
                    assert asyncio.get_running_loop().time() < deadline, (
                        "the rollback never paused the campaign"
                    )
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.5)  # the pause is made; its answer is held
                first.send_signal(signal.SIGKILL)
                first.wait(10)
                paused_at_kill = await _campaign_status(sim.base_url, campaign_id)
                workers.start()
                result = await asyncio.wait_for(rollback.result(), RECOVER_S)
            assert paused_at_kill == "DISABLE"  # the dead attempt did restore it
            assert result.outcome == "rolled_back" and result.conflicts == [], result
            assert result.restored == 12
            assert len({c.key for c in result.changes}) == len(result.changes) == 12
            assert await _named(sim.base_url, name) == (0, 0, 0)  # deleted, as before the launch
            store = Store(f"sqlite+aiosqlite:///{db}")
            try:
                async with store.session() as s:
                    rows = list(await changes_for(s, workflow_id=rollback.id))
            finally:
                await store.dispose()
            assert len(rows) == 12 and len({r.idempotency_key for r in rows}) == 12
        finally:
            workers.stop()


async def _campaign_status(base_url: str, campaign_id: str) -> str:
    async with TikTokClient(base_url) as api:
        found = [
            c
            for c in await list_campaigns(api, DEMO_ADVERTISER, token=DEMO_TOKEN)
            if c.campaign_id == campaign_id
        ]
    return str(found[0].operation_status) if found else "gone"


async def _named(base_url: str, name: str) -> tuple[int, int, int]:
    """How many campaigns, ad groups and ads named after the launch TikTok still lists."""
    async with TikTokClient(base_url) as api:
        campaigns = await list_campaigns(api, DEMO_ADVERTISER, token=DEMO_TOKEN)
        groups = await list_adgroups(api, DEMO_ADVERTISER, token=DEMO_TOKEN)
        ads = await list_ads(api, DEMO_ADVERTISER, token=DEMO_TOKEN)
    return (
        sum(c.campaign_name == name for c in campaigns),
        sum(g.adgroup_name.startswith(name) for g in groups),
        sum(a.ad_name.startswith(name) for a in ads),
    )
