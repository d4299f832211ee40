"""What-if (FR-6, section 13): what an ad group would deliver at another daily budget,
from the same posterior the allocation samples, without touching TikTok.

Spend is the new budget unless the ad group already spends less than it has (then what it
spends now: more budget would not be spent). Conversions a day are spend times the sampled
conversions per unit of spend; the CPA is the inverse of that rate. Both come with a 90 %
interval. Bid moves are not forecast: the model has no response of delivery to the bid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.optimization import CycleSettings
from optimizer.account import Account
from optimizer.budget import prior_cpa, spend_at
from optimizer.posteriors import RatePosterior, interval


@dataclass(frozen=True)
class Forecast:
    adgroup_id: str
    name: str
    budget: float
    spend: float
    conversions: float
    conversions_90: tuple[float, float]
    cpa: float
    cpa_90: tuple[float, float]

    def line(self) -> str:
        lo, hi = self.conversions_90
        clo, chi = self.cpa_90
        spent = "" if self.spend >= self.budget else f" (spends about {self.spend:.2f} of it)"
        return (
            f"{self.name or self.adgroup_id} at {self.budget:.2f}/day{spent}: "
            f"{self.conversions:.1f} conversions/day "
            f"(90 %: {lo:.1f}-{hi:.1f}), CPA {self.cpa:.2f} (90 %: {clo:.2f}-{chi:.2f})"
        )


def forecast(
    account: Account, settings: CycleSettings, adgroup_id: str, budget: float, seed: int = 0
) -> Forecast:
    g = next((x for x in account.adgroups if x.adgroup_id == adgroup_id), None)
    if g is None:
        raise KeyError(
            f"ad group {adgroup_id} is not in the store's mirror of advertiser {account.advertiser_id}"
        )
    cpa0 = prior_cpa(account, settings) or 1.0
    conversions, spend = g.evidence
    posterior = RatePosterior.fit(np.array([conversions]), np.array([spend]), max(cpa0, 0.01))
    rates = posterior.sample(np.random.default_rng(seed))[:, 0]
    spent = spend_at(g, budget)
    return Forecast(
        adgroup_id=g.adgroup_id,
        name=g.name,
        budget=budget,
        spend=spent,
        conversions=float(spent * rates.mean()),
        conversions_90=interval(spent * rates),
        cpa=float(1 / posterior.mean[0]),
        cpa_90=interval(1 / rates),
    )
