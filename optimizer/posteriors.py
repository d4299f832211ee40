"""Conjugate posteriors the decisions sample from.

* Conversions per unit of spend (the inverse of CPA) of an ad group: conversions are
  Poisson in spend, so with a Gamma(a, b) prior the posterior is Gamma(a + conversions,
  b + spend). The prior is worth ``PRIOR_CONVERSIONS`` conversions at the prior CPA (the
  target CPA, else the account's), so a group with little data sits near the account and
  a group with much data speaks for itself.
* Conversions per impression of an ad: a Gamma posterior whose prior is its ad group's rate;
  the probability that one ad is worse than another has a closed form (``probability_lower``).

Samples are drawn from one ``numpy`` generator seeded by the caller: the same seed gives
the same decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, gammaincinv

PRIOR_CONVERSIONS = 2.0
SAMPLES = 4000


@dataclass(frozen=True)
class RatePosterior:
    """Gamma posterior of conversions per unit of spend for several ad groups at once."""

    shape: np.ndarray  # a + conversions
    rate: np.ndarray  # b + spend

    @classmethod
    def fit(
        cls,
        conversions: np.ndarray,
        spend: np.ndarray,
        prior_cpa: float,
        prior: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> RatePosterior:
        """Add the data to the prior: ``prior`` (shape, rate per group, from the hierarchical
        fit) when given, else one worth ``PRIOR_CONVERSIONS`` conversions at ``prior_cpa``."""
        if prior is not None:
            return cls(shape=prior[0] + conversions, rate=prior[1] + spend)
        a0 = PRIOR_CONVERSIONS
        b0 = PRIOR_CONVERSIONS * prior_cpa
        return cls(shape=a0 + conversions, rate=b0 + spend)

    @property
    def mean(self) -> np.ndarray:
        """Expected conversions per unit of spend."""
        return np.asarray(self.shape / self.rate)

    def band(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """The central ``level`` interval of each group's rate, exactly (Gamma quantiles)."""
        tail = (1 - level) / 2
        low: np.ndarray = gammaincinv(self.shape, tail) / self.rate
        high: np.ndarray = gammaincinv(self.shape, 1 - tail) / self.rate
        return low, high

    def sample(self, rng: np.random.Generator, n: int = SAMPLES) -> np.ndarray:
        """``n`` x groups draws of conversions per unit of spend."""
        return rng.gamma(self.shape, 1.0 / self.rate, size=(n, len(self.shape)))


def probability_best(draws: np.ndarray) -> np.ndarray:
    """Share of draws in which each column is the highest (Thompson sampling's weights)."""
    if draws.shape[1] == 0:
        return np.zeros(0)
    winners = np.argmax(draws, axis=1)
    shares: np.ndarray = np.bincount(winners, minlength=draws.shape[1]) / draws.shape[0]
    return shares


def probability_worse(draws: np.ndarray, column: int, than: int, by: float = 1.0) -> float:
    """P(column's rate x ``by`` < than's rate): how sure we are that ``column`` is worse."""
    return float(np.mean(draws[:, column] * by < draws[:, than]))


def ad_rates(conversions: np.ndarray, impressions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gamma (shape, rate) of each ad's conversions per impression: conversions are Poisson in
    impressions; the prior is the ad group's own rate worth ``PRIOR_CONVERSIONS`` conversions,
    so a new ad with a few hundred impressions sits near its group instead of looking best."""
    pooled = (conversions.sum() + 1.0) / (impressions.sum() + 2.0)
    return PRIOR_CONVERSIONS + conversions, PRIOR_CONVERSIONS / pooled + impressions


def probability_lower(shape: np.ndarray, rate: np.ndarray, than: int) -> np.ndarray:
    """P(X_i < X_than) for Gamma posteriors, exactly and without draws: with X = G / rate and
    G ~ Gamma(shape, 1), X_i < X_j exactly when G_i / (G_i + G_j) < rate_i / (rate_i + rate_j),
    and G_i / (G_i + G_j) ~ Beta(shape_i, shape_j); so it is the regularized incomplete beta
    function at that point. An account of 10,000 ads is judged in milliseconds."""
    out: np.ndarray = betainc(shape, shape[than], rate / (rate + rate[than]))
    return out


def interval(values: np.ndarray, level: float = 0.9) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
