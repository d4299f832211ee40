"""Exactly-once creation survives a dead worker: a real ``worker.py`` process is killed with
SIGKILL in the middle of a CampaignLaunch's creation, a new process takes over on the same
task queue, and the simulator ends up with exactly one campaign, two ad groups and three ads.

Each kill point gets its own simulator (so it owns its faults and counters), its own SQLite
store and task queue, and a fault that holds the worker at a known point:

* ``delay_after_mutation`` on a create path: the object IS created, then the answer is held;
  the worker is killed as soon as ``/sim/stats`` counts the object. The retried attempt must
  find it by its tagged name instead of creating a second one.
* ``latency`` on ``adgroup/get/`` (the lookup that precedes the first ad group create): the
  worker is killed while nothing of that step exists yet; the retry must create it once.

The simulator's idempotency honouring stays OFF, so nothing here relies on TikTok honouring
the idempotency key. Temporal only notices a dead worker through a timeout: the launch
activities heartbeat before every TikTok call and have a 45 s heartbeat timeout, so the
killed attempt is retried after ~45 s. The kill points run concurrently (one module-scoped
fixture) to keep the module near one minute; each is then checked by its own test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType, PendingActivityState, TimeoutType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from connector.client import TikTokClient
from connector.management import list_adgroups, list_ads, list_campaigns
from models.launch import LaunchResult
from simulator import SimulatorServer
from tests.integration.processes import Workers, seed_store, tail, worker_env
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN
from tests.workflows.launch_helpers import launch_input

pytestmark = pytest.mark.integration
HOLD_S = 20.0  # how long a fault holds the killed worker's request; the kill comes first
REACH_S = 40.0  # the worker must reach the kill point within this
# The killed attempt is retried after the launch activities' 45 s heartbeat timeout. Well
# under their 5 minute start-to-close timeout: if the heartbeat timeout goes, this fails.
RECOVER_S = 100.0
KINDS = ("campaign", "adgroup", "ad")


@dataclass(frozen=True)
class KillPoint:
    fault: dict[str, Any]
    activity: str  # the activity in flight when the worker dies (its first execution)
    ready: Callable[[dict[str, Any]], bool]  # on /sim/stats: the worker is at the point
    created_at_kill: dict[str, int]  # objects on the simulator when the worker dies


def _after_create(path: str, kind: str, activity: str, at_kill: dict[str, int]) -> KillPoint:
    rule = {"kind": "delay_after_mutation", "seconds": HOLD_S, "path": path, "max_count": 1}
    return KillPoint(rule, activity, lambda stats: stats["created"].get(kind, 0) >= 1, at_kill)


KILL_POINTS = {
    "campaign-created-answer-held": _after_create(
        "campaign/create/", "campaign", "create_campaign", {"campaign": 1, "adgroup": 0, "ad": 0}
    ),
    "adgroup-created-answer-held": _after_create(
        "adgroup/create/", "adgroup", "create_adgroup", {"campaign": 1, "adgroup": 1, "ad": 0}
    ),
    "ad-created-answer-held": _after_create(
        "ad/create/", "ad", "create_ad", {"campaign": 1, "adgroup": 1, "ad": 1}
    ),
    "adgroup-lookup-before-create": KillPoint(
        {"kind": "latency", "latency_ms": HOLD_S * 1000, "path": "adgroup/get/", "max_count": 1},
        "create_adgroup",
        lambda stats: stats["faults"].get("latency", 0) >= 1,
        {"campaign": 1, "adgroup": 0, "ad": 0},
    ),
}


@dataclass
class Run:
    """What one kill point observed; the tests assert on it."""

    name: str
    launch_name: str
    workflow_id: str
    idempotency: dict[str, Any]
    pending_at_kill: list[tuple[str, int, int]]  # (activity, attempt, state) after the kill
    created_at_kill: dict[str, int]
    result: LaunchResult
    created: dict[str, int]  # /sim/stats created, as deltas from the start
    idempotent_replays: int
    campaigns: list[Any]
    adgroups: list[Any]
    ads: list[Any]
    retried: list[tuple[str, int, int]]  # (activity, attempt, timeout type) with attempt > 1
    logs: list[Path] = field(default_factory=list)


def _created(stats: dict[str, Any], before: dict[str, int]) -> dict[str, int]:
    return {k: stats["created"].get(k, 0) - before.get(k, 0) for k in KINDS}


async def _retried_activities(handle: WorkflowHandle[Any, Any]) -> list[tuple[str, int, int]]:
    """Activities that needed more than one attempt, as ("<type>#<nth of that type>", attempt,
    timeout type of the previous attempt's failure)."""
    history = await handle.fetch_history()
    scheduled: dict[int, str] = {}
    seen: dict[str, int] = {}
    retried = []
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            activity = event.activity_task_scheduled_event_attributes.activity_type.name
            scheduled[event.event_id] = f"{activity}#{seen.get(activity, 0)}"
            seen[activity] = seen.get(activity, 0) + 1
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attrs = event.activity_task_started_event_attributes
            if attrs.attempt > 1:
                timeout = attrs.last_failure.timeout_failure_info.timeout_type
                retried.append((scheduled[attrs.scheduled_event_id], attrs.attempt, timeout))
    return retried


async def _run_kill_point(
    name: str, point: KillPoint, env: WorkflowEnvironment, tmp: Path, seeding: asyncio.Lock
) -> Run:
    async with contextlib.AsyncExitStack() as stack:
        sim = await stack.enter_async_context(SimulatorServer(port=0))
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=sim.base_url, timeout=10))

        # Honouring idempotency keys stays off: exactly-once must come from create-or-get.
        (await http.post("/sim/idempotency", json={"enabled": False})).raise_for_status()
        idempotency = (await http.get("/sim/idempotency")).json()
        (await http.post("/sim/faults", json={"seed": 1, "rules": [point.fault]})).raise_for_status()
        before = (await http.get("/sim/stats")).json()["created"]

        store_url = tmp / "app.db"
        async with seeding:  # alembic's migration context is process-global
            await seed_store(store_url, tmp)

        task_queue = f"tiktok-ads-kill-{uuid.uuid4().hex[:8]}"
        temporal = env.client.service_client.config.target_host
        environ = worker_env(tmp, f"sqlite:///{store_url}", temporal, task_queue, sim.base_url)
        workers = Workers(environ, tmp)

        # in a thread: the other kill points keep running
        stack.push_async_callback(asyncio.to_thread, workers.stop)

        first = workers.start()
        launch_name = f"Kill {name} {uuid.uuid4().hex[:6]}"
        handle = await env.client.start_workflow(
            "CampaignLaunch",
            launch_input(launch_name, "none"),
            id=f"launch-kill-{name}-{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
            result_type=LaunchResult,
        )

        # Wait until the worker is at the kill point, then kill it without warning.
        deadline = asyncio.get_running_loop().time() + REACH_S
        while not point.ready(stats := (await http.get("/sim/stats")).json()):
            assert first.poll() is None, f"{name}: worker exited early\n{tail(workers.logs)}"
            assert asyncio.get_running_loop().time() < deadline, (
                f"{name}: kill point not reached: {stats['created']} {stats['faults']}\n{tail(workers.logs)}"
            )
            await asyncio.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        await asyncio.to_thread(first.wait, 10)
        created_at_kill = _created((await http.get("/sim/stats")).json(), before)
        pending = (await handle.describe()).raw_description.pending_activities
        pending_at_kill = [(p.activity_type.name, p.attempt, p.state) for p in pending]

        # Faults off, a new process on the same task queue; Temporal retries the dead attempt.
        (await http.post("/sim/faults", json={"rules": []})).raise_for_status()
        second = workers.start()
        outcome = asyncio.ensure_future(handle.result())
        deadline = asyncio.get_running_loop().time() + RECOVER_S
        while not outcome.done():
            if second.poll() is not None or asyncio.get_running_loop().time() > deadline:
                outcome.cancel()
                pending = (await handle.describe()).raw_description.pending_activities
                raise AssertionError(
                    f"{name}: no result {RECOVER_S:.0f} s after the kill, or the new worker exited "
                    f"(exit code {second.poll()}, pending: {pending}); a dead worker's attempt is "
                    f"only retried after the activity's heartbeat timeout\n{tail(workers.logs)}"
                )
            await asyncio.wait({outcome}, timeout=0.5)
        result = outcome.result()

        stats = (await http.get("/sim/stats")).json()
        async with TikTokClient(sim.base_url) as tiktok:
            campaigns = await list_campaigns(tiktok, DEMO_ADVERTISER, token=DEMO_TOKEN)
            adgroups = await list_adgroups(tiktok, DEMO_ADVERTISER, token=DEMO_TOKEN)
            ads = await list_ads(tiktok, DEMO_ADVERTISER, token=DEMO_TOKEN)
        prefix = launch_name + " / "
        return Run(
            name=name,
            launch_name=launch_name,
            workflow_id=handle.id,
            idempotency=idempotency,
            pending_at_kill=pending_at_kill,
            created_at_kill=created_at_kill,
            result=result,
            created=_created(stats, before),
            idempotent_replays=stats["idempotent_replays"],
            campaigns=[c for c in campaigns if c.campaign_name.startswith(launch_name)],
            adgroups=[g for g in adgroups if g.adgroup_name.startswith(prefix)],
            ads=[a for a in ads if a.ad_name.startswith(prefix)],
            retried=await _retried_activities(handle),
            logs=workers.logs,
        )


@pytest_asyncio.fixture(scope="module")
async def runs(
    dev_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Run | BaseException]]:
    """Every kill point, run concurrently (each waits ~45 s for Temporal to give up on it)."""
    seeding = asyncio.Lock()
    tasks = {
        name: _run_kill_point(name, point, dev_env, tmp_path_factory.mktemp(name), seeding)
        for name, point in KILL_POINTS.items()
    }
    outcomes = await asyncio.gather(*tasks.values(), return_exceptions=True)
    yield dict(zip(tasks, outcomes, strict=True))


@pytest.mark.parametrize("name", list(KILL_POINTS))
async def test_killed_worker_creates_everything_exactly_once(
    name: str, runs: dict[str, Run | BaseException]
) -> None:
    run = runs[name]
    if isinstance(run, BaseException):
        raise run
    point = KILL_POINTS[name]

    assert run.idempotency == {"enabled": False}
    # The worker died where intended: in the step's first attempt, with this much created.
    assert run.created_at_kill == point.created_at_kill
    assert [(a, n) for a, n, _ in run.pending_at_kill] == [(point.activity, 1)], run.pending_at_kill
    assert run.pending_at_kill[0][2] == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
    # Temporal gave up on the dead attempt by heartbeat timeout and retried only that step.
    assert run.retried == [(f"{point.activity}#0", 2, TimeoutType.TIMEOUT_TYPE_HEARTBEAT)]

    assert run.result.outcome == "launched"
    assert run.created == {"campaign": 1, "adgroup": 2, "ad": 3}
    assert run.idempotent_replays == 0

    prefix = run.launch_name
    # names exactly as the operator typed them: no tag, and still created once
    assert [c.campaign_name for c in run.campaigns] == [prefix]
    campaign = run.campaigns[0]
    assert campaign.campaign_id == run.result.created.campaign_id
    assert sorted(g.adgroup_name for g in run.adgroups) == sorted(
        [f"{prefix} / women 25-34", f"{prefix} / broad"]
    )
    assert sorted(g.adgroup_id for g in run.adgroups) == sorted(run.result.created.adgroup_ids)
    assert all(g.campaign_id == campaign.campaign_id for g in run.adgroups)
    assert sorted(a.ad_name for a in run.ads) == sorted(
        [f"{prefix} / video", f"{prefix} / image", f"{prefix} / broad video"]
    )
    assert sorted(a.ad_id for a in run.ads) == sorted(run.result.created.ad_ids)
    ids = run.result.created.adgroup_ids
    assert sorted(a.adgroup_id for a in run.ads) == sorted([ids[0], ids[0], ids[1]])
    statuses = {x.operation_status for x in (*run.campaigns, *run.adgroups, *run.ads)}
    assert statuses == {"ENABLE"}
