"""What a cycle does to the arms of running experiments: a bandit's budget shares become
budget moves (clipped like any other), an arm the safety gate stopped is paused, and each
look becomes the report the cycle's result and ``starter.py experiments`` show."""

from __future__ import annotations

from models.experiments import ExperimentReport
from models.optimization import CycleSettings, Move
from optimizer.account import Account, AdGroupState
from optimizer.experiments import Evaluation, ExperimentState
from policy.guardrails import LaunchPolicy


def experiment_moves(
    account: Account,
    looks: list[tuple[ExperimentState, Evaluation]],
    settings: CycleSettings,
    policy: LaunchPolicy,
) -> list[Move]:
    groups = {g.adgroup_id: g for g in account.adgroups}
    live_ads = {g.adgroup_id: len(g.live_ads) for g in account.adgroups}
    group_of = {a.ad_id: g.adgroup_id for g in account.adgroups for a in g.ads}
    moves: list[Move] = []
    for state, look in looks:
        names = {a.arm_id: a.name for a in state.arms}
        if look.verdict == "safety_stop":
            for arm in look.unsafe:
                if state.entity_type == "ad":
                    group = group_of.get(arm, "")
                    if live_ads.get(group, 0) <= 1:
                        continue  # never the last live ad of a group
                    live_ads[group] -= 1
                why = f"experiment {state.name}: {look.reason}"
                inputs = {"p_best": look.p_best[arm], "expected_loss": look.expected_loss[arm]}
                moves.append(
                    Move.status("pause", state.entity_type, arm, names[arm], "experiment_safety", why, inputs)
                )
        elif state.kind == "bandit" and look.verdict == "running":
            moves += _bandit_budgets(state, look, groups, settings, policy)
    return moves


def _bandit_budgets(
    state: ExperimentState,
    look: Evaluation,
    groups: dict[str, AdGroupState],
    settings: CycleSettings,
    policy: LaunchPolicy,
) -> list[Move]:
    """The arms' pooled budget split by the bandit's shares, each move clipped by the move
    limit (the learning one while learning) and the minimum ad group budget."""
    pooled = sum(a.budget or 0 for a in state.arms)
    out = []
    for arm in state.arms:
        g = groups.get(arm.arm_id)
        if g is None or not g.enabled or not arm.budget:
            continue
        old = float(arm.budget)
        limit = (
            settings.learning_max_move if g.in_learning(settings.learning_conversions) else settings.max_move
        )
        wanted = pooled * look.shares[arm.arm_id]
        new = min(max(wanted, old * (1 - limit)), old * (1 + limit))
        clipped = (
            ["learning_phase" if limit == settings.learning_max_move else "max_move"] if new != wanted else []
        )
        if new < policy.min_adgroup_budget:
            new, clipped = policy.min_adgroup_budget, [*clipped, "min_adgroup_budget"]
        new = round(new, 2)
        if abs(new - old) < max(settings.min_move * old, 0.01):
            continue
        out.append(
            Move(
                kind="budget",
                entity_type="adgroup",
                entity_id=arm.arm_id,
                name=arm.name,
                before=old,
                after=new,
                rule=f"bandit_{state.policy}",
                reason=(
                    f"experiment {state.name}: {state.policy} gives it "
                    f"{look.shares[arm.arm_id]:.0%} of {pooled:.2f}/day"
                ),
                clipped_by=clipped,
                inputs={"share": look.shares[arm.arm_id], "p_best": look.p_best[arm.arm_id]},
            )
        )
    return out


def report(state: ExperimentState, look: Evaluation) -> ExperimentReport:
    return ExperimentReport(
        experiment_id=state.experiment_id,
        name=state.name,
        kind=state.kind,
        verdict=look.verdict,
        leader=look.leader,
        p_best=look.p_best,
        expected_loss=look.expected_loss,
        lift=look.lift,
        spend={a.arm_id: round(a.spend, 2) for a in state.arms},
        conversions={a.arm_id: a.conversions for a in state.arms},
        line=look.line(state),
    )
