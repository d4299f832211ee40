"""Chaos: workers SIGKILLed at random moments while launches, optimization cycles, rejection
recoveries and audience syncs run, with TikTok misbehaving throughout (20 % bare 5xx, rate-limit
refusals 40100, answers slower than the client waits). Then, against the simulator: zero
duplicate TikTok objects, every recorded change live on TikTok (none lost, none applied twice),
every audience member sent once, every workflow completed; and every history the run wrote
replays against the current code.

Bounded for CI: ``CHAOS_KILLS`` kills (default 60; the 200-kill run in docs/testing.md is the
same test with ``CHAOS_KILLS=200``). It prints its numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from models.tables import ChangeLogRow
from simulator import DEMO_ACCESS_TOKEN, SimulatorServer
from store import Store, TokenCipher
from store.tokens import save_tokens
from tests.chaos.fleet import Fleet
from tests.chaos.workload import KINDS, Load, Started, Tiktok, outcome_problems, tiktok_problems
from tests.dbutil import LOCAL_PG, configured_url, fresh_postgres, postgres_reachable
from tests.integration.processes import worker_env
from tests.simulator.helpers import small_scenario
from tests.workflows.launch_helpers import ADV, seed_tenant
from workflows.catalog import all_workflow_classes, workflow_runner

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
KILLS = int(os.environ.get("CHAOS_KILLS", "60"))
WORKERS = 3
FAULTS = [
    {"kind": "http_error", "probability": 0.2, "http_status": 503, "family": "management"},
    {"kind": "http_error", "probability": 0.2, "http_status": 502, "family": "report"},
    {"kind": "error_code", "probability": 0.05, "code": 40100, "message": "Too many requests"},
    {"kind": "timeout", "probability": 0.02, "seconds": 6},
]


@contextlib.asynccontextmanager
async def _database(tmp_path: Path) -> AsyncIterator[str]:
    """A throw-away PostgreSQL database where one is reachable (CI), else a SQLite file."""
    server = configured_url() or LOCAL_PG
    if server.startswith("postgresql") and await postgres_reachable(server):
        async with fresh_postgres(server) as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"


async def test_kill_storm_under_faults(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("CHAOS_SEED", "20261202")))
    tag = uuid.uuid4().hex[:6]
    async with _database(tmp_path) as url:
        store = Store(url)
        await store.migrate()
        await seed_tenant(store)
        async with store.session() as s:
            await save_tokens(
                s, TokenCipher.from_settings(None, "dev", tmp_path), advertiser_id=ADV, app_id="demo-app",
                access_token=DEMO_ACCESS_TOKEN,
            )  # fmt: skip
        with SimulatorServer(small_scenario(seed=4242), port=0) as sim:
            async with httpx.AsyncClient(base_url=sim.base_url + "/sim/", timeout=10) as admin:
                for path, body in (
                    ("idempotency", {"enabled": False}),  # no re-send hidden by a replayed answer
                    ("audiences/limits", {"match_rate": 1.0}),
                    ("review", {"delay_seconds": 1.0, "forbidden_words": ["miracle"]}),
                ):
                    (await admin.post(path, json=body)).raise_for_status()
            task_queue = f"tiktok-ads-chaos-{tag}"
            env = worker_env(
                tmp_path, url, dev_env.client.service_client.config.target_host, task_queue, sim.base_url,
                http_timeout_seconds="5", audience_stream_batch="25", rate_limit_processes=str(WORKERS),
            )  # fmt: skip
            fleet = Fleet(env, tmp_path / "logs", WORKERS)
            api = Tiktok(sim)
            runs: list[Started] = []
            async with store.session() as s:
                since = int((await s.execute(select(func.max(ChangeLogRow.id)))).scalar() or 0)
            kinds_at_kill: Counter[str] = Counter()
            began = time.monotonic()
            fleet.start_all()
            try:
                async with httpx.AsyncClient(base_url=sim.base_url + "/sim/", timeout=10) as admin:
                    (await admin.post("faults", json={"seed": 7, "rules": FAULTS})).raise_for_status()
                load = Load(dev_env.client, task_queue, store, api, tmp_path, tag)
                running: dict[str, tuple[Started, asyncio.Future[Any]]] = {}
                while fleet.kills < KILLS:  # every kind always has a run going while workers die
                    for kind in KINDS:
                        if kind not in running or running[kind][1].done():
                            run = await load.start(kind)
                            runs.append(run)
                            running[kind] = (run, asyncio.ensure_future(run.handle.result()))
                    await asyncio.sleep(rng.uniform(1.0, 3.0))
                    kinds_at_kill.update(k for k, (_, done) in running.items() if not done.done())
                    fleet.kill(rng.randrange(WORKERS))
                storm = time.monotonic() - began
                async with httpx.AsyncClient(base_url=sim.base_url + "/sim/", timeout=10) as admin:
                    faults = (await admin.get("stats")).json()["faults"]
                results: list[tuple[Started, Any]] = []
                for run in runs:
                    results.append((run, await asyncio.wait_for(run.handle.result(), 600)))
                crashed = fleet.crashed()
            finally:
                fleet.stop()
                await api.aclose()
                await _terminate_leftovers(dev_env, task_queue)
            problems = [p for run, result in results for p in outcome_problems(run.kind, result)]
            problems += await tiktok_problems(sim, store, load.expected, since)
            statuses = [(await r.handle.describe()).status for r in runs]
            replayer = Replayer(workflows=all_workflow_classes(), workflow_runner=workflow_runner(),
                                data_converter=dev_env.client.data_converter)  # fmt: skip
            replay_failures = []
            for run in runs:
                history = await run.handle.fetch_history()
                replayed = await replayer.replay_workflow(history, raise_on_replay_failure=False)
                if replayed.replay_failure is not None:
                    replay_failures.append(f"{run.handle.id}: {replayed.replay_failure}")
        await store.dispose()

    print(
        f"\nchaos: {fleet.kills} kills ({dict(kinds_at_kill)} running at the kills), {fleet.started} worker "
        f"starts, {len(runs)} workflows ({dict(Counter(r.kind for r in runs))}), faults "
        f"injected {faults}, storm {storm:.0f} s, all done {time.monotonic() - began:.0f} s; "
        f"objects made {dict(load.expected.created)}; {len(replay_failures)} replay failures"
    )
    assert fleet.kills >= KILLS
    assert all(s == WorkflowExecutionStatus.COMPLETED for s in statuses), statuses
    assert not problems, "\n".join(problems)
    assert not replay_failures, "\n".join(replay_failures)
    assert not crashed, crashed


async def _terminate_leftovers(env: WorkflowEnvironment, task_queue: str) -> None:
    """Recoveries the cycles' reconciler started for the scenario's own rejected ads wait for a
    person (the pool has nothing for their campaigns): end them with the run."""
    query = f'TaskQueue="{task_queue}" AND ExecutionStatus="Running"'
    async for wf in env.client.list_workflows(query):
        await env.client.get_workflow_handle(wf.id, run_id=wf.run_id).terminate("chaos run over")
