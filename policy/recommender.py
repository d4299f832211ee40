"""Launch structure recommender (FR-2): rules that suggest how many ad groups, how to split
the budget and which bid strategy, so that each ad group can leave TikTok's learning phase.

Rule of thumb used by the spec (section 12): an ad group needs about 50 conversions a week
to finish learning, i.e. a daily budget of at least 50 / 7 x target CPA. A budget spread
over more ad groups than it can feed keeps them all learning. Pure function: the approvers
see the suggestion beside the request; nothing is enforced.
"""

from __future__ import annotations

import math

from models.launch import CampaignLaunchInput, Recommendation

LEARNING_CONVERSIONS_PER_WEEK = 50


def recommend(
    inp: CampaignLaunchInput, *, past_adgroups: int = 0, past_cost_cap_share: float = 0.0
) -> Recommendation:
    """Suggest a structure for ``inp``; ``past_*`` summarise the advertiser's existing ad groups."""
    daily = sum(g.budget for g in inp.adgroups if g.budget_mode == "BUDGET_MODE_DAY")
    if inp.campaign.budget_mode == "BUDGET_MODE_DAY" and inp.campaign.budget:
        daily = min(daily, inp.campaign.budget) if daily else inp.campaign.budget
    cpas = [g.target_cpa for g in inp.adgroups if g.target_cpa]
    notes: list[str] = []
    requested = len(inp.adgroups)
    if cpas and daily:
        cpa = sum(cpas) / len(cpas)
        needed = LEARNING_CONVERSIONS_PER_WEEK / 7 * cpa
        feasible = max(1, math.floor(daily / needed))
        count = min(requested, feasible)
        if count < requested:
            notes.append(
                f"{requested} ad groups share {daily:g}/day; at target CPA {cpa:g} each needs about "
                f"{needed:.0f}/day to reach {LEARNING_CONVERSIONS_PER_WEEK} conversions a week: "
                f"suggest {count}"
            )
        strategy = "cost_cap"
        notes.append(f"target CPA {cpa:g} given: Cost Cap at the target, within ±30 %")
    else:
        count = requested
        strategy = "cost_cap" if past_cost_cap_share >= 0.5 else "max_delivery"
        notes.append(
            "no target CPA: Maximum Delivery until conversions give a CPA to cap"
            if strategy == "max_delivery"
            else f"{past_cost_cap_share:.0%} of this advertiser's ad groups use Cost Cap: keep it"
        )
    if past_adgroups:
        notes.append(f"the advertiser runs {past_adgroups} ad group(s) today")
    per = round(daily / count, 2) if daily else 0.0
    return Recommendation(adgroups=count, daily_budget_per_adgroup=per, bid_strategy=strategy, notes=notes)
