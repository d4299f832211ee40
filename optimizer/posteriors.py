"""Conjugate posteriors the decisions sample from.

* Conversions per unit of spend (the inverse of CPA) of an ad group: conversions are
  Poisson in spend, so with a Gamma(a, b) prior the posterior is Gamma(a + conversions,
  b + spend). The prior is worth ``PRIOR_CONVERSIONS`` conversions at the prior CPA (the
  target CPA, else the account's), so a group with little data sits near the account and
  a group with much data speaks for itself.
* Conversions per impression of an ad: a Beta posterior whose prior is its ad group's rate.

Samples are drawn from one ``numpy`` generator seeded by the caller: the same seed gives
the same decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRIOR_CONVERSIONS = 2.0
SAMPLES = 4000


@dataclass(frozen=True)
class RatePosterior:
    """Gamma posterior of conversions per unit of spend for several ad groups at once."""

    shape: np.ndarray  # a + conversions
    rate: np.ndarray  # b + spend

    @classmethod
    def fit(cls, conversions: np.ndarray, spend: np.ndarray, prior_cpa: float) -> RatePosterior:
        a0 = PRIOR_CONVERSIONS
        b0 = PRIOR_CONVERSIONS * prior_cpa
        return cls(shape=a0 + conversions, rate=b0 + spend)

    @property
    def mean(self) -> np.ndarray:
        """Expected conversions per unit of spend."""
        return np.asarray(self.shape / self.rate)

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


def ad_rate_draws(
    conversions: np.ndarray, impressions: np.ndarray, rng: np.random.Generator, n: int = SAMPLES
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means and ``n`` x ads draws of conversions per impression.

    The prior is the ad group's own rate, worth ``PRIOR_CONVERSIONS`` conversions, so a new ad
    with a few hundred impressions sits near its group instead of looking like the best."""
    pooled = (conversions.sum() + 1.0) / (impressions.sum() + 2.0)
    a = PRIOR_CONVERSIONS + conversions
    b = PRIOR_CONVERSIONS / pooled + np.maximum(impressions - conversions, 0.0)
    means: np.ndarray = a / (a + b)
    return means, rng.beta(a, b, size=(n, len(a)))


def interval(values: np.ndarray, level: float = 0.9) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
