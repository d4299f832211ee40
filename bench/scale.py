"""Scale: many advertisers on their 2-hour schedules, two worker processes sharing one app quota.

    .venv/bin/python bench/scale.py [--advertisers 50] [--campaigns 20] [--adgroups 40] [--ads 80]
        [--rounds 3] [--workers 2] [--database-url URL] [--json]

1. A simulator process with ``--advertisers`` accounts (default 50 x 20 campaigns: 1,000
   campaigns, 2,000 ad groups, 4,000 ads) at the simulator's default rate limits (TikTok's
   Basic tier); three market days before the first round.
2. The Temporal dev server, ``--workers`` real ``worker.py`` processes with
   ``TTADS_RATE_LIMIT_PROCESSES`` = workers (each throttles to its share of the app's quota),
   PostgreSQL when reachable (a throw-away database), else SQLite.
3. Every advertiser's real ``optimize-<id>`` schedule, created paused. Each round is a 2-hour
   slot compressed: the simulator's clock moves 2 h, then every schedule is triggered at once
   (what the 2-hour interval does, all advertisers due together: the worst case), and
   gated moves are approved as soon as asked.
4. Printed per round: wall time, cycle durations (p50 / p95 / max), TikTok calls and the
   rate-limit floor (the least time they need at the quota), throttle refusals (40100)
   TikTok sent; per cycle: Temporal Cloud actions (from history) and history size in events
   and bytes against Temporal's limits (50,000 events, 50 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cycle_cost import billable_actions, floor_seconds, history_bytes
from bench.optimization_cycle import SETTINGS, Stack, approve_when_asked, calls_since
from bench.scenarios.generate import big_accounts
from devstack import venv_binary
from models.optimization import CycleResult
from models.workflows import SEARCH_ATTRIBUTE_KEYS, optimize_schedule_id
from schedules import ensure_optimization_schedule
from tests.dbutil import LOCAL_PG, fresh_postgres, postgres_reachable
from tests.integration.processes import spawn_worker, stop_workers, worker_env

EVENT_LIMIT, BYTE_LIMIT = 50_000, 50 * 1024 * 1024


def start_workers(
    stack: Stack, env: WorkflowEnvironment, n: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    s = stack.settings
    environ = worker_env(
        s.data_dir, s.effective_database_url, env.client.service_client.config.target_host, s.task_queue,
        s.tiktok_base_url, tiktok_clock_url=str(s.tiktok_clock_url), rate_limit_processes=str(n),
    )  # fmt: skip
    return [spawn_worker(environ, logs / f"worker-{i}.log") for i in range(n)]


async def triggered_runs(client: Client, advertisers: list[str], before: dict[str, set[str]]) -> list[str]:
    """The workflow ids each schedule started since ``before`` (its earlier runs)."""
    out = []
    for adv in advertisers:
        handle = client.get_schedule_handle(optimize_schedule_id(adv))
        for _ in range(100):
            actions = (await handle.describe()).info.recent_actions
            recent = {str(getattr(a.action, "workflow_id", "")) for a in actions} - {""}
            new = recent - before.get(adv, set())
            if new:
                before.setdefault(adv, set()).update(new)
                out += sorted(new)
                break
            await asyncio.sleep(0.2)
    return out


async def cycle(client: Client, workflow_id: str) -> dict[str, Any]:
    handle: WorkflowHandle[Any, CycleResult] = client.get_workflow_handle(
        workflow_id, result_type=CycleResult
    )
    await approve_when_asked(handle)
    result = await handle.result()
    history = await handle.fetch_history()
    first, last = history.events[0].event_time.ToDatetime(), history.events[-1].event_time.ToDatetime()
    return {
        "outcome": result.outcome,
        "seconds": (last - first).total_seconds(),
        "actions": sum(billable_actions(history).values()),
        "events": len(history.events),
        "bytes": history_bytes(history),
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace, env: WorkflowEnvironment, tmp: Path) -> list[dict[str, Any]]:
    scenario = big_accounts(args.advertisers, args.campaigns, args.adgroups, args.ads)
    async with AsyncExitStack() as exits:
        url = args.database_url
        if url is None and await postgres_reachable(LOCAL_PG):
            url = await exits.enter_async_context(fresh_postgres(LOCAL_PG))
        stack = Stack(scenario, tmp, env, url)
        exits.push_async_callback(stack.close)
        await stack.prepare(3 * 24 + 10)
        for adv in stack.advertisers:
            await ensure_optimization_schedule(env.client, stack.settings, adv, cycle=SETTINGS, paused=True)
        procs = start_workers(stack, env, args.workers, tmp)
        exits.callback(stop_workers, procs)
        rows, seen = [], dict[str, set[str]]()
        for n in range(args.rounds):
            await stack.admin("POST", "advance", {"hours": 2})
            before = await stack.admin("GET", "stats")
            began = time.perf_counter()
            for adv in stack.advertisers:
                await env.client.get_schedule_handle(optimize_schedule_id(adv)).trigger()
            ids = await triggered_runs(env.client, stack.advertisers, seen)
            cycles = await asyncio.gather(*(cycle(env.client, wid) for wid in ids))
            wall = time.perf_counter() - began
            calls, throttled = await calls_since(stack, before)
            seconds = [c["seconds"] for c in cycles]
            rows.append({
                "round": n + 1,
                "cycles": len(cycles),
                "outcomes": dict(Counter(c["outcome"] for c in cycles)),
                "wall_s": round(wall, 1),
                "cycle_p50_s": round(statistics.median(seconds), 1),
                "cycle_p95_s": round(pct(seconds, 0.95), 1),
                "cycle_max_s": round(max(seconds), 1),
                "tiktok_calls": sum(calls.values()),
                "floor_s": round(floor_seconds(calls, stack.settings.rate_limits), 1),
                "throttled_40100": throttled,
                "actions_per_cycle": round(statistics.mean(c["actions"] for c in cycles), 1),
                "max_history_events": max(c["events"] for c in cycles),
                "max_history_kb": round(max(c["bytes"] for c in cycles) / 1024, 1),
                "history_vs_limits": f"{max(c['events'] for c in cycles) / EVENT_LIMIT:.2%} of events, "
                f"{max(c['bytes'] for c in cycles) / BYTE_LIMIT:.3%} of bytes",
            })  # fmt: skip
            print(json.dumps(rows[-1]) if args.json else _show(rows[-1]), flush=True)
        return rows


def _show(row: dict[str, Any]) -> str:
    return f"\n== round {row['round']}\n" + "\n".join(
        f"  {k:>20}: {v}" for k, v in row.items() if k != "round"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advertisers", type=int, default=50)
    parser.add_argument("--campaigns", type=int, default=20, help="per advertiser")
    parser.add_argument("--adgroups", type=int, default=40, help="per advertiser")
    parser.add_argument("--ads", type=int, default=80, help="per advertiser")
    parser.add_argument("--rounds", type=int, default=3, help="2-hour slots, compressed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url", help="the store (default: a throw-away PostgreSQL database, else SQLite)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=venv_binary("temporal"),
        search_attributes=SEARCH_ATTRIBUTE_KEYS,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            await run(args, env, Path(tmp))
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
    # leave without interpreter teardown, which the Temporal runtime's threads can abort
    # (temporalio/sdk-python#300): a finished run must not end in SIGABRT
    sys.stdout.flush()
    os._exit(0)
