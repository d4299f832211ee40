"""A/A and A/B runs of the experiments' stopping rule: how often it names a winner between
identical arms (should be at most ``alpha``), and how often it finds a real lift of the
minimum detectable effect (should be about the planned power).

    .venv/bin/python bench/experiments_aa.py [--runs 400] [--arms 2] [--mde 0.2] [--alpha 0.05]
        [--power 0.8] [--daily-budget 2000] [--seed 1] [--json]

Each run is one experiment looked at every 2 hours, as the cycle does, until it stops: each
arm spends its share of the daily budget and converts Poisson at its true CPA (40 for every
arm in A/A; the first arm 1 + mde times better in A/B). The verdicts come from
``optimizer.experiments.evaluate``, the function the cycle calls.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.experiments import ArmNumbers, ExperimentState, evaluate, sample_plan

CPA = 40.0
LOOKS_PER_DAY = 12


def one_run(
    cpas: list[float], *, plan_conversions: int, plan_days: float, alpha: float, daily: float, seed: int
) -> tuple[str, str, float]:
    """(verdict, leader, days) of one experiment run to its stop."""
    rng = np.random.default_rng(seed)
    k = len(cpas)
    spend = np.zeros(k)
    conversions = np.zeros(k)
    per_look = daily / k / LOOKS_PER_DAY
    look = 0
    while True:
        look += 1
        spend += per_look
        conversions += rng.poisson(per_look / np.array(cpas))
        state = ExperimentState(
            experiment_id="aa",
            name="aa",
            kind="ab",
            policy="split",
            entity_type="adgroup",
            arms=tuple(
                ArmNumbers(f"arm{i}", f"arm{i}", float(spend[i]), float(conversions[i])) for i in range(k)
            ),
            baseline_cpa=CPA,
            alpha=alpha,
            planned_conversions=plan_conversions,
            planned_days=plan_days,
            days_running=look / LOOKS_PER_DAY,
        )
        verdict = evaluate(state, rng)
        if verdict.verdict != "running":
            return verdict.verdict, verdict.leader, look / LOOKS_PER_DAY


def run(args: argparse.Namespace, lift: float) -> dict[str, object]:
    plan = sample_plan(
        baseline_cpa=CPA,
        mde=args.mde,
        power=args.power,
        alpha=args.alpha,
        arms=args.arms,
        daily_budget=args.daily_budget,
    )
    cpas = [CPA / (1 + lift)] + [CPA] * (args.arms - 1)
    outcomes: Counter[str] = Counter()
    days = []
    for r in range(args.runs):
        verdict, leader, took = one_run(
            cpas,
            plan_conversions=plan.conversions_per_arm,
            plan_days=plan.days,
            alpha=args.alpha,
            daily=args.daily_budget,
            seed=args.seed * 100_000 + r,
        )
        key = verdict if verdict != "winner" else ("winner_right" if leader == "arm0" else "winner_wrong")
        outcomes[key] += 1
        days.append(took)
    n = args.runs
    winners = outcomes["winner_right"] + outcomes["winner_wrong"]
    rate = winners / n
    se = math.sqrt(max(rate * (1 - rate), 1e-9) / n)
    return {
        "case": "A/A" if lift == 0 else f"A/B lift {lift:.0%}",
        "runs": n,
        "plan": plan.line(),
        "outcomes": dict(outcomes),
        "winner_rate": round(rate, 4),
        "winner_rate_95": [round(max(0.0, rate - 1.96 * se), 4), round(rate + 1.96 * se, 4)],
        "goal": f"<= alpha {args.alpha}" if lift == 0 else f"about the power {args.power}",
        "median_days": round(float(np.median(days)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--arms", type=int, default=2)
    parser.add_argument("--mde", type=float, default=0.2)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--power", type=float, default=0.8)
    parser.add_argument("--daily-budget", type=float, default=2000.0, help="all arms together, per day")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for lift in (0.0, args.mde):
        row = run(args, lift)
        if args.json:
            print(json.dumps(row))
        else:
            print(f"\n== {row['case']}")
            for key, value in row.items():
                if key != "case":
                    print(f"  {key:>15}: {value}")


if __name__ == "__main__":
    main()
