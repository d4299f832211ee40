"""Pacing (FR-3): how much the advertiser should spend today so the month lands on budget.

What is left of the monthly budget is spread evenly over the days left, so under-delivery
so far raises today's target and over-delivery lowers it; the result never exceeds the
daily burn guardrail (5 % of the monthly budget) and moves at most ``max_move`` from what
the ad groups are set to now.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.account import Account
from policy.guardrails import LaunchPolicy


@dataclass(frozen=True)
class DailyTarget:
    amount: float
    note: str
    clipped_by: tuple[str, ...] = ()


def daily_target(account: Account, current: float, max_move: float, policy: LaunchPolicy) -> DailyTarget:
    """Today's total ad group budget: paced to the month when a monthly budget is known."""
    if not account.monthly_budget:
        return DailyTarget(current, f"no monthly budget: total stays {current:.2f}/day, reallocated")
    m = account.monthly_budget
    left = max(0.0, m - account.month_spend)
    days_left = max(1, account.days_in_month - account.day_of_month + 1)
    paced = left / days_left
    note = (
        f"pacing: {left:.2f} of {m:.2f} left for {days_left} day(s) -> {paced:.2f}/day "
        f"(set now {current:.2f}/day)"
    )
    clipped: list[str] = []
    burn_cap = m * policy.max_daily_burn_of_monthly
    amount = paced
    if amount > burn_cap:
        amount, note = burn_cap, note + f"; daily burn cap {burn_cap:.2f}"
        clipped.append("daily_burn")
    low, high = current * (1 - max_move), current * (1 + max_move)
    if current > 0 and not low <= amount <= high:
        amount = min(max(amount, low), high)
        note += f"; moved at most {max_move:.0%} this cycle -> {amount:.2f}/day"
        clipped.append("max_move")
    return DailyTarget(amount, note, tuple(clipped))
