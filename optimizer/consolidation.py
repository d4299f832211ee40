"""Consolidation (section 12): when most ad groups starve (fewer than 50 conversions a week at
their budget), the weakest of them is paused, one a cycle, so the budget feeds fewer of them."""

from __future__ import annotations

import math

import numpy as np

from models.optimization import CycleSettings, Move
from optimizer.account import AdGroupState
from optimizer.posteriors import RatePosterior
from optimizer.totals import Allocation

CONSOLIDATE_PER_CYCLE = 1  # consolidation pauses one ad group a cycle: gradual, data keeps coming


def consolidate(
    groups: list[AdGroupState],
    posterior: RatePosterior,
    result: Allocation,
    settings: CycleSettings,
    total: float,
    cold: bool,
) -> list[Move]:
    """Pause the worst starving ad groups when too many cannot leave learning (section 12)."""
    changing = {m.entity_id for m in result.moves if m.kind in ("pause", "resume")}
    active = [(i, g) for i, g in enumerate(groups) if g.enabled and g.adgroup_id not in changing]
    if cold or len(active) < 3:
        return []
    budget = {m.entity_id: float(m.after or 0) for m in result.moves if m.kind == "budget"}
    need = settings.learning_conversions / 7
    starving = [
        (i, g) for i, g in active if budget.get(g.adgroup_id, g.budget or 0) * float(posterior.mean[i]) < need
    ]
    if len(starving) * 2 <= len(active):
        return []
    rate = float(np.average(posterior.mean[[i for i, _ in active]]))
    feedable = max(2, math.floor(total * rate / need))
    surplus = min(len(active) - feedable, CONSOLIDATE_PER_CYCLE)
    if surplus <= 0:
        return []
    # only the starving ones worse than the account's average are candidates
    worse = [(i, g) for i, g in starving if float(posterior.mean[i]) < rate]
    worst = sorted(worse, key=lambda ig: float(posterior.mean[ig[0]]))[:surplus]
    moves = []
    for i, g in worst:
        why = (
            f"{len(starving)} of {len(active)} ad groups cannot reach {settings.learning_conversions} "
            f"conversions a week on {total:.2f}/day; about {feedable} can: pause the weakest "
            f"(CPA {1 / float(posterior.mean[i]):.2f})"
        )
        inputs = {
            "spend_7d": round(g.spend, 2),
            "conversions_7d": g.conversions,
            "posterior_cpa": round(1 / float(posterior.mean[i]), 2),
        }
        moves.append(Move.status("pause", "adgroup", g.adgroup_id, g.name, "consolidate", why, inputs))
        result.moves = [m for m in result.moves if m.entity_id != g.adgroup_id]
    return moves
