"""Experiments: the stopping rule's error rates measured by simulation (the A/A check of the
spec's section 17), the safety gate, bandit shares, and how a cycle treats the arms."""

from __future__ import annotations

import numpy as np
import pytest

from bench.experiments_aa import one_run
from models.optimization import CycleSettings
from optimizer import plan_cycle
from optimizer.experiments import ArmNumbers, ExperimentState, evaluate, sample_plan
from tests.optimizer.test_plan_cycle import _account, _group

CPA = 40.0


def _state(
    arms: list[tuple[float, float]], kind: str = "ab", policy: str = "split", **kw: object
) -> ExperimentState:
    base: dict[str, object] = {
        "experiment_id": "adv:t",
        "name": "t",
        "kind": kind,
        "policy": policy,
        "entity_type": "adgroup",
        "arms": tuple(ArmNumbers(f"g{i}", f"G{i}", s, c, budget=50.0) for i, (s, c) in enumerate(arms)),
        "baseline_cpa": CPA,
        "alpha": 0.05,
        "planned_conversions": 100,
        "planned_days": 14,
        "days_running": 3,
    }
    return ExperimentState(**{**base, **kw})  # type: ignore[arg-type]


def test_sample_plan_grows_with_power_and_shrinks_with_the_effect() -> None:
    plan = sample_plan(baseline_cpa=CPA, mde=0.2, power=0.8, alpha=0.05, arms=2, daily_budget=200)
    assert plan.spend_per_arm == plan.conversions_per_arm * CPA
    assert plan.days == pytest.approx(plan.spend_per_arm * 2 / 200, abs=0.1)
    stronger = sample_plan(baseline_cpa=CPA, mde=0.2, power=0.9, alpha=0.05, arms=2, daily_budget=200)
    bigger = sample_plan(baseline_cpa=CPA, mde=0.4, power=0.8, alpha=0.05, arms=2, daily_budget=200)
    three = sample_plan(baseline_cpa=CPA, mde=0.2, power=0.8, alpha=0.05, arms=3, daily_budget=200)
    assert bigger.conversions_per_arm < plan.conversions_per_arm < stronger.conversions_per_arm
    assert three.conversions_per_arm > plan.conversions_per_arm  # alpha split over the comparisons


def test_identical_arms_rarely_get_a_winner_and_a_real_lift_usually_does() -> None:
    """120 simulated A/A runs looked at every 2 hours: winners at most about alpha (a rule
    that named a winner at the first 95 % look would name one in most runs); 60 A/B runs with
    the planned lift: found about as often as the planned power says."""
    plan = sample_plan(baseline_cpa=CPA, mde=0.5, power=0.8, alpha=0.05, arms=2, daily_budget=4000)
    kw = {
        "plan_conversions": plan.conversions_per_arm,
        "plan_days": plan.days,
        "alpha": 0.05,
        "daily": 4000.0,
    }
    aa = [one_run([CPA, CPA], seed=s, **kw) for s in range(120)]  # type: ignore[arg-type]
    false_winners = sum(v == "winner" for v, _, _ in aa) / len(aa)
    assert false_winners <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / len(aa)), false_winners
    ab = [one_run([CPA / 1.5, CPA], seed=1000 + s, **kw) for s in range(60)]  # type: ignore[arg-type]
    found = sum(v == "winner" and leader == "arm0" for v, leader, _ in ab) / len(ab)
    assert found >= 0.6, found


def test_safety_gate_stops_an_arm_far_above_the_baseline_early() -> None:
    look = evaluate(_state([(600.0, 15.0), (600.0, 1.0)], days_running=1), np.random.default_rng(0))
    assert look.verdict == "safety_stop" and look.unsafe == ["g1"], look
    calm = evaluate(_state([(600.0, 15.0), (600.0, 12.0)], days_running=1), np.random.default_rng(0))
    assert calm.verdict == "running" and not calm.unsafe


def test_bandit_shares_favour_the_better_arm_and_keep_the_floor() -> None:
    for policy in ("thompson", "ucb", "epsilon_greedy"):
        look = evaluate(
            _state([(500.0, 20.0), (500.0, 8.0), (500.0, 9.0)], "bandit", policy), np.random.default_rng(1)
        )
        assert look.shares["g0"] == max(look.shares.values()), (policy, look.shares)
        assert min(look.shares.values()) >= 0.1 / 3 - 1e-3 and sum(look.shares.values()) == pytest.approx(
            1, abs=1e-3
        )


def test_a_cycle_leaves_ab_arms_alone_and_moves_a_bandits_budgets() -> None:
    groups = [_group(i, 350.0, c) for i, c in enumerate([20, 2, 15, 3, 12, 4])]
    settings = CycleSettings(target_cpa=CPA)
    free = plan_cycle(_account(groups), settings, seed=3)
    touched = {m.entity_id for m in free.moves}
    ab = _state([(350.0, 10.0), (350.0, 8.0)], days_running=1)  # too early to tell
    held = plan_cycle(_account(groups, experiments=(ab,)), settings, seed=3)
    assert {"g0", "g1"} & touched, "the arms would have moved without the experiment"
    assert not {"g0", "g1"} & {m.entity_id for m in held.moves}, held.moves
    assert held.experiments and held.experiments[0].verdict == "running"
    assert any("experiment t" in n for n in held.notes), held.notes
    assert any("experiment arms left as it is" in n for n in held.notes), held.notes
    total = sum(float(m.after or 0) - float(m.before or 0) for m in held.moves if m.kind == "budget")
    assert total <= 0.5 * 6 * 50  # the others move within the day's target, not the arms' money
    bandit = _state([(350.0, 12.0), (350.0, 6.0)], "bandit", "thompson", days_running=1)
    moved = plan_cycle(_account(groups, experiments=(bandit,)), settings, seed=3)
    by_arm = {m.entity_id: m for m in moved.moves if m.rule == "bandit_thompson"}
    assert float(by_arm["g0"].after or 0) > 50 > float(by_arm["g1"].after or 0), by_arm
