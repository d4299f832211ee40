"""Creative pauses: ads that are clearly worse than their ad group's best, or fatigued.

An ad's conversions per impression has a Gamma posterior (prior: its group's rate); it is
paused when the probability that it is worse than the group's best ad (exact, no draws)
exceeds ``pause_probability`` and it has at least ``min_ad_impressions``. An ad is
fatigued when its CTR over the last two days fell below 60 % of its CTR before: its
traffic goes to the group's other ads. (Pausing a
fatigued ad only while a fresher one stayed measured worse on the fatigue scenario: 78.3
against 69.8 CPA.) The last live ad of a group is never paused.
"""

from __future__ import annotations

import numpy as np

from models.optimization import CycleSettings, Move
from optimizer.account import Account, AdState
from optimizer.posteriors import ad_rates, probability_lower

FATIGUED = 0.6


def _fatigued(ad: AdState) -> bool:
    return (
        ad.recent_ctr is not None
        and bool(ad.earlier_ctr)
        and ad.recent_ctr < FATIGUED * (ad.earlier_ctr or 0)
    )


def pause_creatives(account: Account, settings: CycleSettings) -> list[Move]:
    moves: list[Move] = []
    for g in account.adgroups:
        live = g.live_ads
        if not g.enabled or len(live) < 2:
            continue
        conv = np.array([a.conversions for a in live], dtype=float)
        imps = np.array([a.impressions for a in live], dtype=float)
        shape, rate = ad_rates(conv, imps)
        means = shape / rate
        best = int(np.argmax(means))
        p_worse = probability_lower(shape, rate, best)
        remaining = len(live)
        for i in np.argsort(means):
            ad = live[int(i)]
            if remaining <= 1 or int(i) == best or ad.impressions < settings.min_ad_impressions:
                continue
            worse = float(p_worse[i])
            inputs = {
                "impressions_7d": ad.impressions,
                "conversions_7d": ad.conversions,
                "p_worse": round(worse, 3),
            }
            if worse >= settings.pause_probability:
                why = (
                    f"converts {means[i] * 1e4:.2f}/10k impressions vs {means[best] * 1e4:.2f} "
                    "for the best ad "
                    f"({live[best].name or live[best].ad_id}); worse with probability {worse:.0%}"
                )
                rule = "creative_worse"
            elif _fatigued(ad):
                why = f"fatigued: CTR {ad.recent_ctr:.2%} over 2 days, was {ad.earlier_ctr:.2%}"
                rule = "creative_fatigue"
                inputs = {**inputs, "recent_ctr": ad.recent_ctr or 0.0, "earlier_ctr": ad.earlier_ctr or 0.0}
            else:
                continue
            remaining -= 1
            moves.append(Move.status("pause", "ad", ad.ad_id, ad.name, rule, why, inputs))
    return moves
