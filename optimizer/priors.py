"""Hierarchical priors (spec section 13: transfer learning across ad groups): advertiser ->
campaign -> ad group, fitted with pymc, turned into the Gamma priors the cycle's conjugate
posteriors start from.

The model: conversions of ad group g ~ Poisson(rate_g x spend_g), with
log rate_g = mu + s_c z_c[campaign(g)] + s_g z_g (standard normal z; half-normal scales;
mu centred on the baseline CPA). The prior an ad group of campaign c starts from is the
model's *predictive* rate of a new ad group in c, exp(mu + s_c z_c[c] + s_g e), not the
group's own posterior: the cycle adds the group's own conversions itself, so counting them
here too would count them twice. It is moment-matched to a Gamma and worth at most
``MAX_PRIOR_CONVERSIONS`` conversions, so a group's own data soon speaks louder.

Fitted by ADVI (tens of seconds on 2 cores; ``fit`` runs in a separate process, see
activities/priors.py); the cycle reads the latest fit and never waits for one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_PRIOR_CONVERSIONS = 10.0
MIN_PRIOR_CONVERSIONS = 0.5
ADVI_STEPS = 20_000
DRAWS = 1000


@dataclass(frozen=True)
class GroupTotals:
    """One ad group's spend and conversions over the fit's window."""

    adgroup_id: str
    campaign_id: str
    spend: float
    conversions: float


@dataclass(frozen=True)
class FittedPriors:
    """Gamma (shape, rate) of conversions per unit of spend: per campaign, and for an ad
    group of a campaign the fit did not see (the advertiser level)."""

    campaigns: dict[str, tuple[float, float]]
    advertiser: tuple[float, float]
    groups: int
    summary: str


def gamma_from_draws(draws: np.ndarray) -> tuple[float, float]:
    """(shape, rate) with the draws' mean and variance, worth between the bounds' conversions."""
    mean, var = float(np.mean(draws)), float(np.var(draws))
    shape = mean**2 / var if var > 0 else MAX_PRIOR_CONVERSIONS
    shape = min(max(shape, MIN_PRIOR_CONVERSIONS), MAX_PRIOR_CONVERSIONS)
    return round(shape, 4), round(shape / mean, 6)


def fit(
    groups: list[GroupTotals], baseline_cpa: float, seed: int = 0, steps: int = ADVI_STEPS
) -> FittedPriors:
    """The hierarchical model fitted to ``groups`` (ad groups with spend)."""
    import pymc as pm  # heavy: imported where the fit runs, never by the cycle

    used = [g for g in groups if g.spend > 0]
    if len(used) < 2:
        raise ValueError(f"groups: {len(used)} ad group(s) with spend; the hierarchy needs at least 2")
    campaigns = sorted({g.campaign_id for g in used})
    index = {c: i for i, c in enumerate(campaigns)}
    camp = np.array([index[g.campaign_id] for g in used])
    spend = np.array([g.spend for g in used], dtype=float)
    conversions = np.array([g.conversions for g in used], dtype=float)
    with pm.Model():
        mu = pm.Normal("mu", math.log(1 / baseline_cpa), 1.0)
        s_c = pm.HalfNormal("s_c", 0.5)
        s_g = pm.HalfNormal("s_g", 0.5)
        z_c = pm.Normal("z_c", 0.0, 1.0, shape=len(campaigns))
        z_g = pm.Normal("z_g", 0.0, 1.0, shape=len(used))
        log_rate = mu + s_c * z_c[camp] + s_g * z_g
        pm.Poisson("conversions", mu=pm.math.exp(log_rate) * spend, observed=conversions)
        approx = pm.fit(n=steps, method="advi", progressbar=False, random_seed=seed)
        trace = approx.sample(DRAWS, random_seed=seed)
    post = trace.posterior
    mu_d = post["mu"].values.reshape(-1)
    s_c_d = post["s_c"].values.reshape(-1)
    s_g_d = post["s_g"].values.reshape(-1)
    z_c_d = post["z_c"].values.reshape(len(mu_d), len(campaigns))
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=len(mu_d))
    per_campaign = {
        c: gamma_from_draws(np.exp(mu_d + s_c_d * z_c_d[:, i] + s_g_d * noise)) for c, i in index.items()
    }
    advertiser = gamma_from_draws(np.exp(mu_d + s_c_d * rng.normal(size=len(mu_d)) + s_g_d * noise))
    summary = (
        f"{len(used)} ad groups in {len(campaigns)} campaigns: account CPA about "
        f"{1 / math.exp(float(np.mean(mu_d))):.2f}, campaign spread x{math.exp(float(np.mean(s_c_d))):.2f}, "
        f"ad group spread x{math.exp(float(np.mean(s_g_d))):.2f}"
    )
    return FittedPriors(per_campaign, advertiser, len(used), summary)
