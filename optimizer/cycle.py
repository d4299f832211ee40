"""One cycle's decisions for one advertiser: budgets, campaign caps, bids, creatives, and
which of them wait for a person. Pure: the same account, settings and seed give the same
plan; ``decide_changes`` runs it in a worker thread."""

from __future__ import annotations

import numpy as np

from models.optimization import CyclePlan, CycleSettings, Move
from optimizer.account import Account
from optimizer.arms import experiment_moves, report
from optimizer.bids import adjust_bids
from optimizer.budget import allocate
from optimizer.creatives import pause_creatives
from optimizer.experiments import evaluate
from policy.guardrails import LaunchPolicy


def plan_cycle(
    account: Account, settings: CycleSettings, seed: int, policy: LaunchPolicy | None = None
) -> CyclePlan:
    """Every move this cycle proposes, each clipped by the guardrails and marked for approval."""
    p = policy or LaunchPolicy()
    rng = np.random.default_rng(seed)
    looks = [(e, evaluate(e, np.random.default_rng([seed, i]))) for i, e in enumerate(account.experiments)]
    frozen = frozenset(a for e in account.experiments for a in e.arm_ids)  # left to their experiment
    allocation = allocate(account, settings, rng, p, frozen)
    bids, bid_notes = adjust_bids(account, settings, p)
    bids = [m for m in bids if m.entity_id not in frozen]
    paused_groups = {m.entity_id for m in allocation.moves if m.kind == "pause"}
    group_of = {a.ad_id: g.adgroup_id for g in account.adgroups for a in g.ads}
    creatives = [
        m
        for m in pause_creatives(account, settings)
        if group_of.get(m.entity_id) not in paused_groups | frozen and m.entity_id not in frozen
    ]
    tests = experiment_moves(account, looks, settings, p)
    moves = [
        *allocation.moves,
        *tests,
        *_campaign_caps(account, [*allocation.moves, *tests], p),
        *bids,
        *creatives,
    ]
    moves, deferred = _largest(moves, settings.max_moves)
    gate(moves, settings, account.changes_today)
    notes = [*allocation.notes, *(look.line(e) for e, look in looks)]
    if deferred:
        notes.append(
            f"{deferred} smaller budget move(s) wait for the next cycle (at most {settings.max_moves})"
        )
    return CyclePlan(
        advertiser_id=account.advertiser_id,
        moves=moves,
        notes=notes,
        held=[*allocation.held, *bid_notes],
        daily_target=allocation.daily_target,
        experiments=[report(e, look) for e, look in looks],
    )


def _largest(moves: list[Move], limit: int) -> tuple[list[Move], int]:
    """At most ``limit`` moves: pauses, resumes, bids and campaign caps first, then the ad
    group budget moves that change the most money; how many were left for later."""
    if len(moves) <= limit:
        return moves, 0

    def size(m: Move) -> float:
        if m.kind != "budget" or m.entity_type != "adgroup":
            return float("inf")
        return abs(float(m.after or 0) - float(m.before or 0))

    kept = {id(m) for m in sorted(moves, key=size, reverse=True)[:limit]}
    return [m for m in moves if id(m) in kept], len(moves) - limit


def _campaign_caps(account: Account, moves: list[Move], policy: LaunchPolicy) -> list[Move]:
    """Raise a campaign's daily budget that would cap its ad groups' new budgets (portfolio)."""
    after = {m.entity_id: float(m.after) for m in moves if m.kind == "budget" and isinstance(m.after, float)}
    off = {m.entity_id for m in moves if m.kind == "pause"}
    on = {m.entity_id for m in moves if m.kind == "resume"}
    out: list[Move] = []
    for c in account.campaigns:
        if not c.enabled or c.budget_mode != "BUDGET_MODE_DAY" or not c.budget:
            continue
        groups = [
            g
            for g in account.adgroups
            if g.campaign_id == c.campaign_id
            and (g.enabled or g.adgroup_id in on)
            and g.adgroup_id not in off
        ]
        needed = sum(after.get(g.adgroup_id, g.budget or 0) for g in groups)
        if needed <= c.budget + 0.01:
            continue
        new = round(max(needed, policy.min_campaign_budget), 2)
        out.append(
            Move(
                kind="budget",
                entity_type="campaign",
                entity_id=c.campaign_id,
                name=c.name,
                before=c.budget,
                after=new,
                rule="portfolio",
                reason=f"its ad groups now share {needed:.2f}/day; its cap {c.budget:g} would hold them back",
                inputs={"adgroup_budgets": round(needed, 2)},
            )
        )
    return out


def gate(moves: list[Move], settings: CycleSettings, changes_today: int) -> None:
    """Mark the moves a person must approve: large budget moves, ad group pauses, and every
    move beyond the day's change allowance."""
    count = changes_today
    for m in moves:
        reasons = []
        if m.kind == "budget" and m.relative > settings.approval_move:
            reasons.append(f"budget move of {m.relative:.0%} > {settings.approval_move:.0%}")
        if m.kind == "pause" and m.entity_type == "adgroup" and settings.approve_adgroup_pauses:
            reasons.append("pausing an ad group")
        if m.kind == "bid_type":
            reasons.append("switching the bid strategy (restarts learning)")
        count += 1
        if count > settings.max_changes_per_day:
            reasons.append(f"more than {settings.max_changes_per_day} changes today")
        m.needs_approval = bool(reasons)
        m.approval_reason = "; ".join(reasons) or None
