"""The hierarchical prior fit (pymc, ADVI): a campaign whose ad groups convert better gets a
better prior, the prior is the predictive of a *new* ad group (not a copy of the data), and
no prior is worth more than ``MAX_PRIOR_CONVERSIONS`` conversions."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from optimizer.priors import MAX_PRIOR_CONVERSIONS, GroupTotals, fit, gamma_from_draws


def test_gamma_from_draws_matches_moments_within_bounds() -> None:
    rng = np.random.default_rng(0)
    shape, rate = gamma_from_draws(rng.gamma(4.0, 1 / 160.0, 20_000))
    assert abs(shape - 4.0) < 0.3 and abs(shape / rate - 4 / 160) < 0.001
    tight, _ = gamma_from_draws(rng.gamma(400.0, 1 / 16000.0, 20_000))
    assert tight == MAX_PRIOR_CONVERSIONS  # certainty from the fit is capped


def test_campaign_priors_follow_their_ad_groups() -> None:
    rng = np.random.default_rng(1)
    groups = []
    for campaign, cpa in (("good", 20.0), ("poor", 60.0)):
        for i in range(8):
            spend = 600.0
            groups.append(GroupTotals(f"{campaign}{i}", campaign, spend, float(rng.poisson(spend / cpa))))
    # in a process of its own, as PriorFit runs it: pymc loaded into the test process would
    # keep compiling threads busy and slow every timing-sensitive test after it
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        fitted = pool.submit(fit, groups, 40.0, 1).result()
    good = fitted.campaigns["good"][1] / fitted.campaigns["good"][0]  # the prior's mean CPA
    poor = fitted.campaigns["poor"][1] / fitted.campaigns["poor"][0]
    assert 15 < good < 27 and 45 < poor < 80, (good, poor)  # true CPAs 20 and 60
    assert all(shape <= MAX_PRIOR_CONVERSIONS for shape, _ in fitted.campaigns.values())
    assert fitted.groups == 16 and "16 ad groups in 2 campaigns" in fitted.summary
