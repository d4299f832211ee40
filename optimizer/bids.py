"""Cost Cap bids toward the target CPA (FR-3), kept within the target ±30 % (section 12).

A bid moves at most ``bid_step`` per cycle: down when the 7-day CPA is above the target,
up when delivery stalls (it spends less than half its budget) while the CPA is at or below
the target, or when the CPA sits far below the target (room to buy more volume). A bid
outside the band (set by hand) is brought back into it. Ad groups in learning keep their
bid: TikTok restarts learning on a bid edit. TikTok has no tROAS, so there is no ROAS bid.

The strategy switches too (FR-3): a Cost Cap ad group whose delivery stalls at CPA at or
under the target, with its bid at the top of the band or its CPA far below the target,
goes to Maximum Delivery (the cap, not the market, holds it back); a Maximum Delivery ad
group whose CPA is 20 % above the target goes to Cost Cap at the target. Switches wait
for an approval (they restart learning).
"""

from __future__ import annotations

from models.optimization import CycleSettings, Move
from optimizer.account import Account, AdGroupState
from policy.guardrails import LaunchPolicy

MIN_CONVERSIONS = 5  # below this the 7-day CPA says too little to move a bid
STALLED = 0.5  # spends less than this share of its budget
FAR_BELOW = 0.7  # CPA under this share of the target
TOO_HIGH = 1.2  # Maximum Delivery above this share of the target goes to Cost Cap


def adjust_bids(
    account: Account, settings: CycleSettings, policy: LaunchPolicy
) -> tuple[list[Move], list[str]]:
    """Bid moves for Cost Cap ad groups, and notes on the ones held."""
    target = settings.target_cpa
    if not target:
        return [], []
    low, high = target * (1 - policy.cost_cap_band), target * (1 + policy.cost_cap_band)
    moves: list[Move] = []
    held: list[str] = []
    for g in account.adgroups:
        bid = g.conversion_bid_price
        if g.enabled and g.bid_type == "BID_TYPE_NO_BID":
            moves += _to_cost_cap(g, target, settings)
            continue
        if not g.enabled or g.bid_type != "BID_TYPE_CUSTOM" or not bid:
            continue
        name = g.name or g.adgroup_id
        inputs = {
            "bid": bid,
            "target_cpa": target,
            "spend_7d": round(g.spend, 2),
            "conversions_7d": g.conversions,
        }
        if not low <= bid <= high:
            new = min(max(bid, low), high)
            moves.append(
                _move(
                    g.adgroup_id,
                    g.name,
                    bid,
                    new,
                    "cost_cap_band",
                    "bid outside target ±30 %",
                    ["cost_cap_band"],
                    inputs,
                )
            )
            continue
        if g.in_learning(settings.learning_conversions):
            held.append(f"{name}: in learning ({g.conversions:g} conversions), bid {bid:g} kept")
            continue
        if g.conversions < MIN_CONVERSIONS:
            continue
        cpa = g.spend / g.conversions
        inputs["cpa_7d"] = round(cpa, 2)
        stalled = bool(g.budget) and g.daily_spend < STALLED * float(g.budget or 0)
        if stalled and cpa <= target and (bid >= high - 0.01 or cpa < target * FAR_BELOW):
            why = (
                f"delivery stalls ({g.daily_spend:.2f}/day of {g.budget:g}) at CPA {cpa:.2f} with the bid "
                f"{'at the top of the band' if bid >= high - 0.01 else 'far above what it pays'}: "
                "Maximum Delivery spends the budget"
            )
            moves.append(_strategy(g.adgroup_id, g.name, "BID_TYPE_NO_BID", why, inputs))
            continue
        if cpa > target * (1 + settings.bid_step):
            new, why = bid * (1 - settings.bid_step), f"CPA {cpa:.2f} above target {target:g}: bid down"
        elif stalled and cpa <= target:
            new = bid * (1 + settings.bid_step)
            why = f"delivery stalls ({g.daily_spend:.2f}/day of {g.budget:g}) at CPA {cpa:.2f}: bid up"
        elif cpa < target * FAR_BELOW:
            new, why = (
                bid * (1 + settings.bid_step),
                f"CPA {cpa:.2f} far below target {target:g}: bid up for volume",
            )
        else:
            continue
        clipped = ["cost_cap_band"] if not low <= new <= high else []
        new = min(max(new, low), high)
        if abs(new - bid) >= 0.01:
            moves.append(_move(g.adgroup_id, g.name, bid, new, "cost_cap", why, clipped, inputs))
    return moves, held


def _to_cost_cap(g: AdGroupState, target: float, settings: CycleSettings) -> list[Move]:
    """Maximum Delivery whose CPA drifts above the target goes to Cost Cap at the target."""
    if g.in_learning(settings.learning_conversions) or g.conversions < MIN_CONVERSIONS:
        return []
    cpa = g.spend / g.conversions
    if cpa <= target * TOO_HIGH:
        return []
    why = f"CPA {cpa:.2f} on Maximum Delivery is above target {target:g}: Cost Cap at the target"
    inputs = {"bid": target, "target_cpa": target, "cpa_7d": round(cpa, 2), "conversions_7d": g.conversions}
    return [_strategy(g.adgroup_id, g.name, "BID_TYPE_CUSTOM", why, inputs)]


def _strategy(adgroup_id: str, name: str, to: str, why: str, inputs: dict[str, float]) -> Move:
    """A switch of bid strategy; to Cost Cap it carries the new bid in ``inputs["bid"]``."""
    before = "BID_TYPE_CUSTOM" if to == "BID_TYPE_NO_BID" else "BID_TYPE_NO_BID"
    return Move(
        kind="bid_type", entity_type="adgroup", entity_id=adgroup_id, name=name, before=before, after=to,
        rule="bid_strategy", reason=why, inputs=inputs,
    )  # fmt: skip


def _move(
    adgroup_id: str,
    name: str,
    bid: float,
    new: float,
    rule: str,
    why: str,
    clipped: list[str],
    inputs: dict[str, float],
) -> Move:
    return Move(
        kind="bid",
        entity_type="adgroup",
        entity_id=adgroup_id,
        name=name,
        before=bid,
        after=round(new, 2),
        rule=rule,
        reason=why,
        clipped_by=clipped,
        inputs=inputs,
    )
