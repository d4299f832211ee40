"""Budget allocation across an advertiser's ad groups by Thompson sampling (section 13).

Each ad group's conversions per unit of spend has a Gamma posterior; the share of
today's target (``pacing``) an ad group gets is the probability that it is the best,
mixed with an exploration floor spread evenly (section 12: 10 %). Until the account has
``cold_start_conversions`` conversions, every ad group gets an equal share (section 20).
Ad groups that cannot spend what they have now get no more (capacity), and their share
goes to the others. Then each move is clipped: by the move limit per cycle (smaller for
ad groups in learning, which TikTok resets on large edits), by the minimum ad group
budget, and the total by the daily burn cap. Ad groups that are clearly worse than the
best are paused; ad groups this cycle paused earlier come back when sampling says they
may be competitive. Where many ad groups starve (fewer than 50 conversions a week at
their budget), the worst of them are paused to consolidate budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from models.optimization import CycleSettings, Move
from optimizer.account import Account, AdGroupState
from optimizer.consolidation import consolidate
from optimizer.pacing import daily_target
from optimizer.posteriors import PRIOR_CONVERSIONS, RatePosterior, probability_best
from optimizer.totals import Allocation, fit_total, refill, water_fill
from policy.guardrails import LaunchPolicy

RESUME_AFTER_DAYS = 2  # a paused ad group is reconsidered after this many days without spend
UNDER_DELIVERY = 0.6  # spending less than this share of its budget: no more budget
CLEARLY_WORSE_BY = 1.5  # paused when its CPA is this many times the best's, with confidence


def _daily(account: Account) -> list[AdGroupState]:
    """Ad groups with a daily budget in enabled campaigns: what the daily burn counts."""
    out = []
    for g in account.adgroups:
        campaign = account.campaign(g.campaign_id)
        if campaign is not None and campaign.enabled and g.budget_mode == "BUDGET_MODE_DAY" and g.budget:
            out.append(g)
    return out


def _eligible(account: Account) -> list[AdGroupState]:
    """What the allocation moves: enabled (or paused by the cycle) with a live ad."""
    return [g for g in _daily(account) if (g.enabled or g.paused_by_optimizer) and g.live_ads]


def prior_cpa(account: Account, settings: CycleSettings) -> float | None:
    """The CPA a group with no data is assumed to have: the target, else the account's."""
    if settings.target_cpa:
        return settings.target_cpa
    spend = sum(g.spend for g in account.adgroups)
    conversions = sum(g.conversions for g in account.adgroups)
    return spend / conversions if conversions else None


def _capacity(g: AdGroupState, account: Account) -> float:
    """What an ad group can absorb: its budget when it under-delivers, unlimited otherwise."""
    assert g.budget is not None
    if g.days_with_spend >= 2 and g.daily_spend < UNDER_DELIVERY * g.budget:
        return g.budget
    if account.day_elapsed >= 0.5 and g.spend_today < UNDER_DELIVERY * g.budget * account.day_elapsed:
        return g.budget
    return math.inf


def spend_at(g: AdGroupState, budget: float) -> float:
    """What ``g`` would spend a day at ``budget``: capped at what it spends now if it under-delivers."""
    if g.budget and g.days_with_spend >= 2 and g.daily_spend < UNDER_DELIVERY * g.budget:
        return min(budget, g.daily_spend)
    return budget


def allocate(
    account: Account,
    settings: CycleSettings,
    rng: np.random.Generator,
    policy: LaunchPolicy,
    frozen: frozenset[str] = frozenset(),
) -> Allocation:
    """Budgets, pauses and resumes of the ad groups; ``frozen`` ones (arms of experiments)
    keep their budgets, which the others' share of the day's target leaves out."""
    result = Allocation()
    everyone = _eligible(account)
    kept = float(sum(g.budget or 0 for g in everyone if g.enabled and g.adgroup_id in frozen))
    groups = [g for g in everyone if g.adgroup_id not in frozen]
    active = [g for g in groups if g.enabled]
    if not active:
        result.notes.append("no enabled ad group with a daily budget and a live ad: budgets untouched")
        return result
    current = float(sum(g.budget or 0 for g in active))
    target = daily_target(account, current + kept, settings.max_move, policy)
    result.daily_target = round(target.amount, 2)
    result.notes.append(target.note)
    if kept:
        target = replace(target, amount=max(0.0, target.amount - kept))
        result.notes.append(f"{kept:.2f}/day of experiment arms left as it is; the others share the rest")
    cpa0 = prior_cpa(account, settings)
    cpa0 = max(cpa0, 0.01) if cpa0 is not None else None
    conversions = sum(g.conversions for g in account.adgroups)
    if cpa0 is None:
        result.notes.append("no conversions yet and no target CPA: equal split (cold start)")
        cpa0 = 1.0
    evidence = [g.evidence for g in groups]
    posterior = RatePosterior.fit(
        np.array([c for c, _ in evidence], dtype=float),
        np.array([s for _, s in evidence], dtype=float),
        cpa0,
        _fitted_priors(account, groups, cpa0),
    )
    if account.priors_note and (account.priors or account.account_prior):
        result.notes.append(account.priors_note)
    draws = posterior.sample(rng)
    cold = conversions < settings.cold_start_conversions
    considered = [i for i, g in enumerate(groups) if g.enabled or not cold]
    p_best = np.zeros(len(groups))
    p_best[considered] = probability_best(draws[:, considered])
    # a paused ad group comes back after resting, when sampling gives it an even chance; only
    # the enabled and those coming back share today's budget
    even = 1 / max(2, len(considered))
    considered = [i for i in considered if groups[i].enabled or (_rested(groups[i]) and p_best[i] >= even)]
    shares = np.zeros(len(groups))
    if cold:
        shares[considered] = 1.0 / len(considered)
        result.notes.append(
            f"cold start: {conversions:g} conversion(s) in 7 days < {settings.cold_start_conversions}: "
            "equal split across enabled ad groups"
        )
    else:
        floor = settings.exploration_floor
        shares[considered] = (1 - floor) * p_best[considered] + floor / len(considered)
        back = len(considered) - len(active)
        result.notes.append(
            f"Thompson sampling over {len(considered)} ad group(s)"
            + (f" ({back} coming back)" if back else "")
            + f", {floor:.0%} exploring"
        )
    caps = np.array([_capacity(g, account) if g.enabled else math.inf for g in groups])
    proposed = water_fill(target.amount, shares, caps)
    ctx = _Round(draws, int(np.argmax(posterior.mean)), settings, policy, cold, cpa0, posterior)
    pauses_left = 0 if cold else len(active) // 2  # at most half the enabled ad groups in one cycle
    decided: dict[int, Move | str | None] = {}
    for i in (int(x) for x in np.argsort(posterior.mean)):  # worst first: they are the ones to pause
        g = groups[i]
        inputs = {
            "spend_7d": round(g.spend, 2),
            "conversions_7d": g.conversions,
            "p_best": round(float(p_best[i]), 3),
            "posterior_cpa": round(1 / max(float(posterior.mean[i]), 1e-9), 2),
        }
        move = _move_for(g, i, float(proposed[i]), float(caps[i]), ctx, pauses_left > 0, inputs)
        if isinstance(move, Move) and move.kind == "pause":
            pauses_left -= 1
        decided[i] = move
    for i in range(len(groups)):
        move = decided.get(i)
        if isinstance(move, str):
            result.held.append(move)
        elif move is not None:
            result.moves.append(move)
    result.moves += consolidate(groups, posterior, result, settings, target.amount, cold)
    weights = {g.adgroup_id: float(shares[i]) for i, g in enumerate(groups)}
    limits = {g.adgroup_id: min(float(caps[i]), _ceiling(g, settings)) for i, g in enumerate(groups)}
    refill(result, active, weights, limits, target.amount, policy.min_adgroup_budget)
    fit_total(result, active, target.amount, policy, hard=False)
    if account.monthly_budget:
        ids = {g.adgroup_id for g in active}
        others = sum(g.budget or 0 for g in _daily(account) if g.enabled and g.adgroup_id not in ids)
        cap = account.monthly_budget * policy.max_daily_burn_of_monthly - others
        fit_total(result, active, cap, policy, hard=True)
    return result


def _fitted_priors(
    account: Account, groups: list[AdGroupState], cpa0: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """Each group's prior from the hierarchical fit (its campaign's, else the account's);
    None without a fit, and the flat prior at ``cpa0`` for a campaign the fit never saw."""
    if not account.priors and account.account_prior is None:
        return None
    flat = (PRIOR_CONVERSIONS, PRIOR_CONVERSIONS * cpa0)
    pairs = [account.priors.get(g.campaign_id) or account.account_prior or flat for g in groups]
    return np.array([p[0] for p in pairs], dtype=float), np.array([p[1] for p in pairs], dtype=float)


def _rested(g: AdGroupState) -> bool:
    """Paused long enough to be reconsidered: no spend for ``RESUME_AFTER_DAYS`` days."""
    return g.idle_days is None or g.idle_days >= RESUME_AFTER_DAYS


def _ceiling(g: AdGroupState, settings: CycleSettings) -> float:
    """The highest budget one cycle may give ``g``: its move limit (smaller while learning)."""
    limit = settings.learning_max_move if g.in_learning(settings.learning_conversions) else settings.max_move
    return float(g.budget or 0) * (1 + limit)


@dataclass
class _Round:
    """What every ad group's decision in one allocation shares."""

    draws: np.ndarray
    best: int
    settings: CycleSettings
    policy: LaunchPolicy
    cold: bool
    cpa0: float
    posterior: RatePosterior
    bands: tuple[np.ndarray, np.ndarray] = field(init=False)  # 90 % of each group's rate
    means: np.ndarray = field(init=False)

    def __post_init__(self) -> None:  # once for all groups, not once per group
        self.bands = self.posterior.band(0.9)
        self.means = self.posterior.mean


def _move_for(
    g: AdGroupState,
    i: int,
    proposed: float,
    cap: float,
    ctx: _Round,
    may_pause: bool,
    inputs: dict[str, float],
) -> Move | str | None:
    """The one move for ad group ``g`` (pause, resume or budget), a held note, or nothing."""
    settings, policy, draws, best, cold = ctx.settings, ctx.policy, ctx.draws, ctx.best, ctx.cold
    assert g.budget is not None
    old = float(g.budget)
    learning = g.in_learning(settings.learning_conversions)
    name = g.name or g.adgroup_id
    if not g.enabled:  # only those coming back were given a share
        if proposed >= policy.min_adgroup_budget:
            why = f"paused earlier; sampling now gives it {inputs['p_best']:.0%} chance to lead"
            return Move.status("resume", "adgroup", g.adgroup_id, g.name, "exploration", why, inputs)
        return None
    # Evidence before a pause: twice the prior CPA spent; while learning (it may never leave
    # learning at the minimum budget), twice that.
    needed = settings.min_adgroup_spend_in_cpa * ctx.cpa0 * (2 if learning else 1)
    if may_pause and i != best and g.spend >= needed:
        worse = float(np.mean(draws[:, i] * CLEARLY_WORSE_BY < draws[:, best]))
        if worse >= settings.pause_probability:
            inputs = {**inputs, "p_worse": round(worse, 3)}
            why = (
                f"CPA {inputs['posterior_cpa']:.2f} is {CLEARLY_WORSE_BY}x worse than the best "
                f"with probability {worse:.0%} after {g.spend:.2f} spent"
            )
            return Move.status("pause", "adgroup", g.adgroup_id, g.name, "adgroup_worse", why, inputs)
    limit = settings.learning_max_move if learning else settings.max_move
    clipped: list[str] = []
    new = proposed
    if new > cap:
        new = cap
    if new > old * (1 + limit) or new < old * (1 - limit):
        new = min(max(new, old * (1 - limit)), old * (1 + limit))
        clipped.append("learning_phase" if learning else "max_move")
    if new < policy.min_adgroup_budget:
        new = policy.min_adgroup_budget
        clipped.append("min_adgroup_budget")
    new = round(new, 2)
    if abs(new - old) < max(settings.min_move * old, 0.01):
        if clipped and "learning_phase" in clipped:
            done = f"{g.conversions:g}/{settings.learning_conversions}"
            return f"{name}: in learning ({done} conversions), budget kept"
        return None
    rule = "cold_start" if cold else "thompson"
    why = "equal split while the account is new" if cold else f"{inputs['p_best']:.0%} chance to be the best"
    if cap < math.inf and proposed > cap:
        why += f"; spends only {g.daily_spend:.2f}/day of {old:.2f}, so no more budget"
    spent = spend_at(g, new)
    low, high = spent * float(ctx.bands[0][i]), spent * float(ctx.bands[1][i])
    return Move(
        kind="budget",
        entity_type="adgroup",
        entity_id=g.adgroup_id,
        name=g.name,
        before=old,
        after=new,
        rule=rule,
        reason=f"{'raise' if new > old else 'lower'}: {why}",
        clipped_by=clipped,
        inputs=inputs,
        expected=(
            f"{spent * float(ctx.means[i]):.1f} conversions/day (90 %: {low:.1f}-{high:.1f}) "
            f"at {spent:.2f} spent"
        ),
    )
