"""Experiments (FR-4): the sample an A/B test needs, and each cycle's verdict on a running
test or bandit. Pure: the cycle and ``starter.py experiments`` call the same functions.

Each arm's conversions per unit of spend has the Gamma posterior the allocation uses (prior:
the baseline CPA, worth a couple of conversions). From its draws:

* probability to be best, expected loss (what choosing an arm costs, relative to the best,
  in conversions per spend) and the lift of the leader over each other arm (90 % interval);
* at the planned sample (conversions per arm, or the planned days): a **winner** when the
  leader's probability to be best reaches ``1 - alpha / (2 (arms - 1))`` with an expected
  loss under ``loss_tolerance``, else **no winner** (a fixed horizon: a verdict at every
  cycle's look would find false winners; the A/A benchmark measures the rate);
* **early**, before that, only when the leader reaches ``EARLY_CONFIDENCE``;
* on the **safety gate** as soon as an arm's CPA is above ``safety_factor`` x the baseline
  with probability ``SAFETY_CONFIDENCE`` after spending two baselines: that arm is paused
  (ethics before statistics).

A bandit moves the arms' pooled budget each cycle: Thompson (probability to be best),
UCB (the highest 95 % upper bound leads) or epsilon-greedy (the best mean leads); every arm
keeps at least the exploration floor's share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np

from optimizer.posteriors import RatePosterior, probability_best

EARLY_CONFIDENCE = 0.9999
SAFETY_CONFIDENCE = 0.99
SAMPLES = 4000
Verdict = Literal["running", "winner", "no_winner", "safety_stop"]
Policy = Literal["split", "thompson", "ucb", "epsilon_greedy"]


@dataclass(frozen=True)
class SamplePlan:
    """What an A/B test needs to see a lift of ``mde`` with ``power`` at ``alpha``."""

    conversions_per_arm: int
    spend_per_arm: float
    days: float

    def line(self) -> str:
        return (
            f"{self.conversions_per_arm} conversions per arm (about {self.spend_per_arm:,.0f} spent each), "
            f"about {self.days:.1f} days at the arms' budgets"
        )


def sample_plan(
    *, baseline_cpa: float, mde: float, power: float, alpha: float, arms: int, daily_budget: float
) -> SamplePlan:
    """Conversions per arm for a two-sided test of the log rate ratio of two Poisson arms with
    equal spend: (z_a + z_b)^2 (1 + 1 / (1 + mde)) / ln(1 + mde)^2, ``alpha`` split over the
    comparisons with the leader (Bonferroni); spend and days follow from the baseline CPA."""
    z = NormalDist()
    z_a = z.inv_cdf(1 - alpha / (2 * max(1, arms - 1)))
    z_b = z.inv_cdf(power)
    conversions = (z_a + z_b) ** 2 * (1 + 1 / (1 + mde)) / math.log(1 + mde) ** 2
    need = math.ceil(conversions)
    spend = need * baseline_cpa
    days = spend * arms / daily_budget if daily_budget > 0 else math.inf
    return SamplePlan(need, round(spend, 2), round(days, 1))


@dataclass(frozen=True)
class ArmNumbers:
    arm_id: str
    name: str
    spend: float
    conversions: float
    budget: float | None = None


@dataclass(frozen=True)
class ExperimentState:
    """A running experiment as the cycle sees it: its design and its arms' numbers so far."""

    experiment_id: str
    name: str
    kind: Literal["ab", "bandit"]
    policy: Policy
    entity_type: Literal["adgroup", "ad"]
    arms: tuple[ArmNumbers, ...]
    baseline_cpa: float
    alpha: float
    planned_conversions: int
    planned_days: float
    days_running: float
    loss_tolerance: float = 0.01
    safety_factor: float = 1.5
    exploration_floor: float = 0.1

    @property
    def arm_ids(self) -> set[str]:
        return {a.arm_id for a in self.arms}


@dataclass
class Evaluation:
    """One cycle's look at an experiment."""

    verdict: Verdict
    p_best: dict[str, float]
    expected_loss: dict[str, float]
    leader: str
    lift: dict[str, tuple[float, float, float]]  # other arm -> (median, 5 %, 95 %) of leader/other - 1
    shares: dict[str, float] = field(default_factory=dict)  # a bandit's budget shares
    unsafe: list[str] = field(default_factory=list)
    reason: str = ""

    def line(self, state: ExperimentState) -> str:
        names = {a.arm_id: a.name or a.arm_id for a in state.arms}
        leader = names[self.leader]
        p, loss = self.p_best[self.leader], self.expected_loss[self.leader]
        best = f"{leader} leads (P(best) {p:.0%}, expected loss {loss:.1%})"
        lifts = ", ".join(
            f"+{m:.0%} vs {names[o]} (90 %: {lo:+.0%}..{hi:+.0%})" for o, (m, lo, hi) in self.lift.items()
        )
        return (
            f"experiment {state.name} ({state.kind}, {self.verdict}): {best}; {lifts}. {self.reason}".strip()
        )


def evaluate(state: ExperimentState, rng: np.random.Generator) -> Evaluation:
    """The verdict on ``state`` now, and a bandit's budget shares."""
    arms = state.arms
    ids = [a.arm_id for a in arms]
    posterior = RatePosterior.fit(
        np.array([a.conversions for a in arms], dtype=float),
        np.array([a.spend for a in arms], dtype=float),
        state.baseline_cpa,
    )
    draws = posterior.sample(rng, SAMPLES)
    p_best = probability_best(draws)
    top = draws.max(axis=1)
    loss = (top[:, None] - draws).mean(axis=0) / max(float(top.mean()), 1e-12)
    lead = int(np.argmax(p_best))
    lift = {
        ids[j]: _band(draws[:, lead] / np.maximum(draws[:, j], 1e-12) - 1)
        for j in range(len(arms))
        if j != lead
    }
    out = Evaluation(
        verdict="running",
        p_best={i: round(float(p), 4) for i, p in zip(ids, p_best, strict=True)},
        expected_loss={i: round(float(x), 4) for i, x in zip(ids, loss, strict=True)},
        leader=ids[lead],
        lift=lift,
    )
    # the safety gate: an arm clearly above the baseline CPA by the safety factor
    limit = 1 / (state.baseline_cpa * state.safety_factor)  # conversions per spend at that CPA
    for j, arm in enumerate(arms):
        if arm.spend >= 2 * state.baseline_cpa and float(np.mean(draws[:, j] < limit)) >= SAFETY_CONFIDENCE:
            out.unsafe.append(arm.arm_id)
    if out.unsafe:
        out.verdict = "safety_stop"
        out.reason = f"safety gate: CPA above {state.safety_factor}x the baseline for {', '.join(out.unsafe)}"
        return out
    needed = 1 - state.alpha / (2 * max(1, len(arms) - 1))  # two-sided, per comparison
    least = min(a.conversions for a in arms)
    sampled = least >= state.planned_conversions or state.days_running >= state.planned_days
    small_loss = loss[lead] <= state.loss_tolerance
    if p_best[lead] >= EARLY_CONFIDENCE and small_loss:
        out.verdict, out.reason = "winner", f"stopped early: P(best) >= {EARLY_CONFIDENCE:.2%}"
    elif sampled and p_best[lead] >= needed and small_loss:
        out.verdict, out.reason = "winner", f"planned sample reached; P(best) >= {needed:.1%}"
    elif sampled:
        out.verdict = "no_winner"
        out.reason = f"planned sample reached; no arm is best with probability {needed:.1%}"
    else:
        out.reason = (
            f"{least:g}/{state.planned_conversions} conversions in the smallest arm, "
            f"day {state.days_running:.1f} of {state.planned_days:g}"
        )
    if state.kind == "bandit":
        out.shares = dict(zip(ids, _shares(state, posterior, p_best, draws), strict=True))
    return out


def _shares(
    state: ExperimentState, posterior: RatePosterior, p_best: np.ndarray, draws: np.ndarray
) -> list[float]:
    """The bandit policy's budget shares, each at least the exploration floor's part."""
    k = len(state.arms)
    floor = state.exploration_floor
    if state.policy == "ucb":
        lead = np.zeros(k)
        lead[int(np.argmax(np.percentile(draws, 95, axis=0)))] = 1.0
    elif state.policy == "epsilon_greedy":
        lead = np.zeros(k)
        lead[int(np.argmax(posterior.mean))] = 1.0
    else:  # thompson
        lead = p_best
    shares = (1 - floor) * lead + floor / k
    return [round(float(s), 4) for s in shares / shares.sum()]


def _band(values: np.ndarray) -> tuple[float, float, float]:
    low, mid, high = np.percentile(values, [5, 50, 95])
    return round(float(mid), 4), round(float(low), 4), round(float(high), 4)
