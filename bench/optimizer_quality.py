"""Decision quality of the optimization cycle against an oracle, no changes, and rules.

Each policy runs on its own simulator started from the same scenario and seed (rate limits
lifted), for ``--days`` of simulated time: the clock advances ``--cycle-hours``, then the
policy acts through the connector over HTTP. ``ours`` is the code the cycle's activities
run (gated moves approved). After every cycle an independent check reads TikTok's state
for guardrail violations (ad group budget >= 20, Cost Cap bid within target ±30 %, daily
budgets within 5 % of the monthly budget). A comparison counts only at comparable spend:
each policy should spend >= 90 % of what ``static`` spends (``spend_vs_static``).

    .venv/bin/python bench/optimizer_quality.py bench/scenarios/stable.json [--days 14]
        [--cycle-hours 2] [--target-cpa 40] [--seed N] [--policies ours,oracle,static,rules] [--json]
        [--settings '{"half_life_days": 3}']

Ratios are measured side by side in one run; never use them as timed assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import days_of, start_run
from bench.policies import POLICIES
from simulator.scenario import Scenario, load_scenario


async def run_policy(name: str, scenario: Scenario, args: argparse.Namespace) -> dict[str, Any]:
    run = await start_run(scenario, args.target_cpa)
    run.settings = json.loads(args.settings)
    started = time.perf_counter()
    try:
        begin = await run.now()
        hours = args.days * 24
        policy = POLICIES[name]
        for cycle in range(hours // args.cycle_hours):
            await run.advance(args.cycle_hours)
            await policy(run, cycle)
            await run.check()
        first, last = days_of(begin, hours)
        spend, conversions = await run.totals(first, last)
    finally:
        await run.close()
    return {
        "policy": name,
        "spend": round(spend, 2),
        "conversions": conversions,
        "cpa": round(spend / conversions, 3) if conversions else None,
        "guardrail_violations": len(run.violations),
        "changes": run.changes,
        "seconds": round(time.perf_counter() - started, 1),
        "violation_examples": run.violations[:3],
    }


def compare(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def cpa(name: str) -> float | None:
        row = rows.get(name)
        return row["cpa"] if row else None

    ours, oracle, static, rules = cpa("ours"), cpa("oracle"), cpa("static"), cpa("rules")
    out: dict[str, Any] = {
        "cpa_vs_oracle": round(ours / oracle, 3) if ours and oracle else None,
        "cpa_gain_vs_static": round(1 - ours / static, 3) if ours and static else None,
        "cpa_gain_vs_rules": round(1 - ours / rules, 3) if ours and rules else None,
        "spend_vs_static": round(rows["ours"]["spend"] / rows["static"]["spend"], 3)
        if "ours" in rows and "static" in rows and rows["static"]["spend"]
        else None,
    }
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--cycle-hours", type=int, default=2)
    parser.add_argument("--target-cpa", type=float, default=40.0)
    parser.add_argument("--seed", type=int, default=None, help="replaces the scenario's seed")
    parser.add_argument("--policies", default="ours,oracle,static,rules")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--settings", default="{}", help="cycle settings to try, e.g. '{\"half_life_days\": 3}'"
    )
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    rows: dict[str, dict[str, Any]] = {}
    for name in args.policies.split(","):
        rows[name] = await run_policy(name, scenario, args)
        if not args.json:
            r = rows[name]
            print(
                f"{name:7s} spend {r['spend']:10.2f}  conversions {r['conversions']:7.0f}  CPA {r['cpa']}  "
                f"violations {r['guardrail_violations']}  changes {r['changes']}  ({r['seconds']} s)",
                flush=True,
            )
    summary = compare(rows)
    if args.json:
        for row in rows.values():
            print(
                json.dumps(
                    {k: row[k] for k in ("policy", "spend", "conversions", "cpa", "guardrail_violations")}
                )
            )
        print(json.dumps(summary))
    else:
        print(f"{scenario.name}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))


if __name__ == "__main__":
    asyncio.run(main())
