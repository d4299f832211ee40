"""The allocation's total where it must be: spreading an amount by shares within caps (water
filling), handing the budget of paused ad groups to the others (refill), and fitting the total
within today's target or the daily burn cap (fit_total)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from models.optimization import Move
from optimizer.account import AdGroupState
from policy.guardrails import LaunchPolicy


@dataclass
class Allocation:
    """One allocation's moves, the notes that explain it, and the moves it held back."""

    moves: list[Move] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    daily_target: float | None = None


def water_fill(total: float, shares: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Split ``total`` by ``shares``, no group above its cap; the excess goes to the others."""
    out = np.zeros_like(shares)
    free = np.ones_like(shares, dtype=bool)
    left = total
    for _ in range(len(shares) + 1):
        weight = shares[free].sum()
        if left <= 1e-9 or weight <= 1e-12:
            break
        proposal = left * shares / weight
        over = free & (out + proposal > caps)
        if not over.any():
            out[free] += proposal[free]
            break
        left -= float((caps[over] - out[over]).sum())
        out[over] = caps[over]
        free &= ~over
    return out


def refill(
    result: Allocation,
    active: list[AdGroupState],
    weights: dict[str, float],
    limits: dict[str, float],
    total: float,
    minimum: float,
) -> None:
    """Give the budget of paused ad groups to the others, by their Thompson shares, within each
    one's move limit and capacity. A pause whose budget nobody can take yet is held back
    (the least clear first), so pausing never silently cuts what the account spends."""
    moves = {m.entity_id: m for m in result.moves if m.kind == "budget"}

    def now(g: AdGroupState) -> float:
        m = moves.get(g.adgroup_id)
        return float(m.after) if m is not None and m.after is not None else float(g.budget or 0)

    def room_of(g: AdGroupState) -> float:
        # a budget set below the minimum by hand is not topped up by a few cents
        return max(0.0, limits[g.adgroup_id] - now(g)) if now(g) >= minimum else 0.0

    pauses = sorted(
        (m for m in result.moves if m.kind == "pause" and m.entity_type == "adgroup"),
        key=lambda m: m.inputs.get("posterior_cpa", 0.0),
    )  # least clear (lowest CPA) first
    paused = {m.entity_id for m in pauses}
    by_id = {g.adgroup_id: g for g in active}
    kept = sum(now(g) for g in active if g.adgroup_id not in paused)
    spare = sum(room_of(g) for g in active if g.adgroup_id not in paused)
    held_back: set[str] = set()
    while pauses and total - kept > spare + 0.01:  # one sum update per pause held: linear
        held = pauses.pop(0)
        held_back.add(held.entity_id)
        paused.discard(held.entity_id)
        if held.entity_id in by_id:
            kept += now(by_id[held.entity_id])
            spare += room_of(by_id[held.entity_id])
        result.held.append(
            f"{held.name or held.entity_id}: pause held back, the others cannot take its budget yet"
        )
    if held_back:
        result.moves = [
            m
            for m in result.moves
            if not (m.kind == "pause" and m.entity_type == "adgroup" and m.entity_id in held_back)
        ]
    survivors = [g for g in active if g.adgroup_id not in paused]
    room = {g.adgroup_id: room_of(g) for g in survivors}
    short = total - sum(now(g) for g in survivors)
    if short <= 0.01 or not pauses:
        return
    ids = [g.adgroup_id for g in survivors]
    give = water_fill(
        short,
        np.array([weights[i] if room[i] > 0 else 0.0 for i in ids]) + 1e-9,
        np.array([room[i] for i in ids]),
    )
    for g, extra in zip(survivors, give, strict=True):
        if extra < 0.01:
            continue
        m = moves.get(g.adgroup_id)
        if m is None:
            old = float(g.budget or 0)
            m = Move.budget(
                g.adgroup_id, g.name, old, old, "refill", "raise: takes budget of the ad groups paused"
            )
            moves[g.adgroup_id] = m
            result.moves.append(m)
        m.after = math.floor((now(g) + float(extra)) * 100) / 100


def fit_total(
    result: Allocation, active: list[AdGroupState], limit: float, policy: LaunchPolicy, *, hard: bool
) -> None:
    """Bring the enabled ad groups' total within ``limit``: raises are scaled down first; a
    hard limit (the daily burn guardrail) then lowers the others too, never below the
    minimum ad group budget, beyond the move limit if it must."""
    moves = {m.entity_id: m for m in result.moves if m.kind == "budget"}
    paused = {m.entity_id for m in result.moves if m.kind == "pause"}
    groups = [g for g in active if g.adgroup_id not in paused]

    def after(g: AdGroupState) -> float:
        m = moves.get(g.adgroup_id)
        return float(m.after) if m is not None and m.after is not None else float(g.budget or 0)

    excess = sum(after(g) for g in groups) - limit
    if excess <= 0.01:
        return
    floor_of = {g.adgroup_id: max(float(g.budget or 0), policy.min_adgroup_budget) for g in groups}
    tiers = [floor_of]
    if hard:
        tiers.append({g.adgroup_id: policy.min_adgroup_budget for g in groups})
    rule = "daily_burn" if hard else "total_target"
    for floors in tiers:
        room = {g.adgroup_id: max(0.0, after(g) - floors[g.adgroup_id]) for g in groups}
        total_room = sum(room.values())
        if total_room <= 0:
            continue
        share = min(1.0, excess / total_room)
        for g in groups:
            cut = room[g.adgroup_id] * share
            if cut <= 0:
                continue
            new = math.floor((after(g) - cut) * 100) / 100
            m = moves.get(g.adgroup_id)
            if m is None:
                why = "lower: the account's total must stay within the daily burn cap"
                m = Move.budget(g.adgroup_id, g.name, float(g.budget or 0), new, rule, why)
                moves[g.adgroup_id] = m
                result.moves.append(m)
            m.after = new
            if rule not in m.clipped_by:
                m.clipped_by.append(rule)
        excess -= total_room * share
        if excess <= 0.01:
            break
    if hard and excess > 0.01:  # every budget at the minimum: the raises themselves must go
        for m in [
            m for m in result.moves if m.kind == "budget" and float(m.after or 0) > float(m.before or 0)
        ]:
            result.moves.remove(m)
            result.held.append(
                f"{m.name or m.entity_id}: raise to {m.after} dropped, the daily burn cap is reached"
            )
            excess -= float(m.after or 0) - float(m.before or 0)
            if excess <= 0.01:
                break
    if hard:
        result.notes.append(f"daily burn cap: these ad groups may share at most {limit:.2f}/day")
