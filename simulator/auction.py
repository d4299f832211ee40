"""The synthetic ad auction: advancing the simulated clock hour by hour fills the ledger.

For each hour and each ad group whose campaign, ad group and ads may deliver, the model
draws impressions, clicks, conversions and spend per ad (equations in docs/simulator.md):

* opportunities = base volume x hour-of-day weight x bid delivery curve x learning noise,
  shared between the group's ads in proportion to their effective CTR;
* impressions ~ Poisson, clicks ~ Binomial(impressions, CTR x fatigue),
  conversions ~ Binomial(clicks, CVR x learning penalty), spend = impressions x CPM / 1000;
* pacing caps the hour's spend to the remaining daily budget (smooth: in proportion to the
  rest of the day's traffic; fast: all of it), at ad group, campaign and balance level.

Every random draw comes from ``numpy.random.default_rng`` seeded by (scenario seed, entity
id, hour), so results do not depend on request order or on how advances are chunked.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from simulator.scenario import MarketSpec
from simulator.state import SimState, hour_key, parse_time

EPOCH = datetime(1970, 1, 1)
CONVERSION_GOALS = {"CONVERT", "INSTALL", "IN_APP_EVENT", "VALUE", "LEAD_GENERATION"}


def stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def rng_for(seed: int, entity_id: str, hour_index: int, salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, stable_hash(entity_id), hour_index, salt])


def creative_truth(seed: int, key: str, market: MarketSpec) -> tuple[float, float]:
    """True (CTR, CVR) of a creative drawn from the market's Beta priors, fixed per creative key."""
    rng = rng_for(seed, key, 0, 99)
    return float(rng.beta(*market.ctr_prior)), float(rng.beta(*market.cvr_prior))


def hour_weights(market: MarketSpec) -> list[float]:
    """The hour-of-day curve scaled to mean 1."""
    mean = sum(market.hour_curve) / 24
    return [value / mean for value in market.hour_curve]


def fatigue(market: MarketSpec, cumulative_impressions: float) -> float:
    """CTR multiplier after ``cumulative_impressions``: 1 when fresh, down to ``fatigue_floor``."""
    decay = math.exp(-cumulative_impressions / market.fatigue_impressions)
    return market.fatigue_floor + (1 - market.fatigue_floor) * decay


def event_factors(state: SimState, ad_id: str, at: datetime) -> tuple[float, float]:
    """(CTR factor, CVR factor) of the market events that apply to ``ad_id`` at hour ``at``."""
    ctr = cvr = 1.0
    if not state.events:
        return ctr, cvr
    ad = state.ads.get(ad_id) or {}
    names = {
        "ad_name": ad.get("ad_name"),
        "adgroup_name": (state.adgroups.get(str(ad.get("adgroup_id"))) or {}).get("adgroup_name"),
        "campaign_name": (state.campaigns.get(str(ad.get("campaign_id"))) or {}).get("campaign_name"),
    }
    for event in state.events:
        if event.at <= at and any(
            value is not None and names[key] == value for key, value in event.target.model_dump().items()
        ):
            ctr *= event.true_ctr_factor
            cvr *= event.true_cvr_factor
    return ctr, cvr


def effective_ctr(state: SimState, ad_id: str, at: datetime | None = None) -> float:
    truth = state.truth[ad_id]
    factor = event_factors(state, ad_id, at or state.now)[0]
    return min(truth.true_ctr * factor, 1.0) * fatigue(
        state.scenario.market, state.cum_impressions.get(ad_id, 0)
    )


def effective_cvr(state: SimState, ad_id: str, at: datetime | None = None) -> float:
    """True CVR after events (the learning penalty is applied where delivery happens)."""
    return min(state.truth[ad_id].true_cvr * event_factors(state, ad_id, at or state.now)[1], 1.0)


def market_cpa(market: MarketSpec) -> float:
    """CPA of an average creative at the market CPM (prior means)."""
    ctr = market.ctr_prior[0] / sum(market.ctr_prior)
    cvr = market.cvr_prior[0] / sum(market.cvr_prior)
    return market.cpm / 1000 / (ctr * cvr)


def expected_cpa(state: SimState, ad_ids: list[str], at: datetime | None = None) -> float | None:
    """CPA an ad group's current ads would reach at the market CPM (no bid constraint)."""
    if not ad_ids:
        return None
    rate = sum(effective_ctr(state, a, at) * effective_cvr(state, a, at) for a in ad_ids) / len(ad_ids)
    return state.scenario.market.cpm / 1000 / rate if rate > 0 else None


def delivery_factor(
    state: SimState, adgroup: dict[str, Any], ad_ids: list[str], at: datetime | None = None
) -> tuple[float, float]:
    """(share of traffic won, CPM multiplier) for the ad group's bid.

    No bid / lowest cost wins everything at the market CPM. A cost cap (``BID_TYPE_CUSTOM``)
    at ratio r = bid / market value wins sigmoid(k (r - r0)) of the traffic and pays a
    slightly lower CPM when it bids under the market (0.75 + 0.25 r, at most 1).
    """
    market = state.scenario.market
    if adgroup.get("bid_type") != "BID_TYPE_CUSTOM":
        return 1.0, 1.0
    goal = adgroup.get("optimization_goal")
    if adgroup.get("conversion_bid_price") and goal in CONVERSION_GOALS:
        target = float(adgroup["conversion_bid_price"])
        reference = expected_cpa(state, ad_ids, at)
    elif adgroup.get("bid_price"):
        target = float(adgroup["bid_price"])
        if adgroup.get("billing_event") == "CPC":
            ctr = sum(effective_ctr(state, a, at) for a in ad_ids) / max(len(ad_ids), 1)
            reference = market.cpm / 1000 / ctr if ctr > 0 else None
        else:
            reference = market.cpm
    else:
        return 1.0, 1.0
    if not reference:
        return 1.0, 1.0
    ratio = target / reference
    won = 1 / (1 + math.exp(-market.cost_cap_steepness * (ratio - market.cost_cap_midpoint)))
    return won, min(1.0, 0.75 + 0.25 * ratio)


def in_learning(state: SimState, adgroup_id: str, at: datetime) -> bool:
    """Learning lasts until 50 conversions or 7 days after the first delivery, whichever comes first."""
    market = state.scenario.market
    if state.cum_conversions.get(adgroup_id, 0) >= market.learning_conversions:
        return False
    first = state.first_delivery.get(adgroup_id)
    return first is None or at - first < timedelta(days=market.learning_days)


def allowance(
    state: SimState, entity_id: str, record: dict[str, Any], at: datetime, day_fraction: float, fast: bool
) -> float:
    """How much ``entity_id`` may still spend in the hour starting at ``at``."""
    mode, budget = record.get("budget_mode"), record.get("budget")
    if not budget or mode in (None, "BUDGET_MODE_INFINITE"):
        return math.inf
    date = at.strftime("%Y-%m-%d")
    spent_today = state.spend_day.get(entity_id, {}).get(date, 0.0)
    daily = float(budget)
    if mode == "BUDGET_MODE_TOTAL":
        remaining_at_day_start = float(budget) - state.spend_total.get(entity_id, 0.0) + spent_today
        days_left = state.scenario.market.total_budget_days
        end = record.get("schedule_end_time")
        if end:
            day_start = at.replace(hour=0)
            days_left = max(1.0, math.ceil((parse_time(end) - day_start).total_seconds() / 86400))
        daily = remaining_at_day_start / days_left
    remaining = daily - spent_today
    if remaining <= 0:
        return 0.0
    return remaining if fast else remaining * day_fraction


@dataclass
class _Plan:
    ad: dict[str, Any]
    rng: np.random.Generator
    impressions: int
    cpm: float
    ctr: float
    cvr: float

    @property
    def spend(self) -> float:
        return self.impressions * self.cpm / 1000


def _cap(plans: list[_Plan], limit: float) -> None:
    """Scale impressions down (rounding down) so that the plans' total spend <= limit."""
    total = sum(p.spend for p in plans)
    if total <= limit or total <= 0:
        return
    factor = max(limit, 0.0) / total
    for plan in plans:
        plan.impressions = math.floor(plan.impressions * factor)


def _children(records: dict[str, dict[str, Any]], parent: str) -> dict[str, list[dict[str, Any]]]:
    """``records`` grouped by their ``parent`` id, each group sorted by its own id: one scan
    an hour instead of one per parent (an account of 10,000 ads stays linear)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(records, key=str):
        record = records[key]
        out.setdefault(str(record[parent]), []).append(record)
    return out


def _plan_adgroup(
    state: SimState,
    adgroup: dict[str, Any],
    ads_of_group: list[dict[str, Any]],
    at: datetime,
    hour_index: int,
) -> list[_Plan]:
    market, seed = state.scenario.market, state.scenario.seed
    ads = [a for a in ads_of_group if _ad_live(state, a)]
    if not ads:
        return []
    ad_ids = [a["ad_id"] for a in ads]
    won, cpm_factor = delivery_factor(state, adgroup, ad_ids, at)
    learning = in_learning(state, adgroup["adgroup_id"], at)
    noise = 1.0
    if learning and market.learning_noise > 0:
        sigma = market.learning_noise
        noise = float(rng_for(seed, adgroup["adgroup_id"], hour_index, 1).lognormal(-(sigma**2) / 2, sigma))
    base = state.adgroup_volume.get(adgroup["adgroup_id"], market.hourly_impressions)
    opportunities = base * hour_weights(market)[at.hour] * won * noise
    ctrs = [effective_ctr(state, a, at) for a in ad_ids]
    weights = [c**market.share_power for c in ctrs]
    total_weight = sum(weights) or 1.0
    plans = []
    for ad, ctr, weight in zip(ads, ctrs, weights, strict=True):
        rng = rng_for(seed, ad["ad_id"], hour_index, 2)
        impressions = int(rng.poisson(opportunities * weight / total_weight))
        sigma = market.cpm_noise
        cpm = (
            market.cpm * cpm_factor * float(np.exp(rng.normal(-(sigma**2) / 2, sigma)))
            if sigma
            else market.cpm
        )
        cvr = effective_cvr(state, ad["ad_id"], at) * (market.learning_cvr_factor if learning else 1.0)
        plans.append(_Plan(ad, rng, impressions, cpm, ctr, min(cvr, 1.0)))
    return plans


def _ad_live(state: SimState, ad: dict[str, Any]) -> bool:
    truth = state.truth.get(ad["ad_id"])
    return ad["operation_status"] == "ENABLE" and (truth is None or truth.review_status == "APPROVED")


def _adgroup_live(state: SimState, adgroup: dict[str, Any], at: datetime) -> bool:
    if adgroup["operation_status"] != "ENABLE":
        return False
    start, end = adgroup.get("schedule_start_time"), adgroup.get("schedule_end_time")
    if start and at < parse_time(start).replace(minute=0, second=0):
        return False
    return not (end and adgroup.get("schedule_type") == "SCHEDULE_START_END" and at >= parse_time(end))


def simulate_hour(state: SimState, at: datetime) -> dict[str, float]:
    """Deliver the hour starting at ``at``; returns its totals."""
    weights = hour_weights(state.scenario.market)
    rest = sum(weights[at.hour :])
    day_fraction = weights[at.hour] / rest if rest > 0 else 1.0
    hour_index = int((at - EPOCH).total_seconds() // 3600)
    totals = {"impressions": 0.0, "clicks": 0.0, "conversions": 0.0, "spend": 0.0}
    campaigns_of = _children(state.campaigns, "advertiser_id")
    groups_of = _children(state.adgroups, "campaign_id")
    ads_of = _children(state.ads, "adgroup_id")
    for advertiser_id in sorted(state.advertisers):
        balance = state.balances.get(advertiser_id, 0.0)
        if balance <= 0:
            continue
        account_plans: list[_Plan] = []
        for campaign in campaigns_of.get(str(advertiser_id), []):
            if campaign["operation_status"] != "ENABLE":
                continue
            campaign_plans: list[_Plan] = []
            for adgroup in groups_of.get(str(campaign["campaign_id"]), []):
                if not _adgroup_live(state, adgroup, at):
                    continue
                fast = adgroup.get("pacing") == "PACING_MODE_FAST"
                limit = allowance(state, adgroup["adgroup_id"], adgroup, at, day_fraction, fast)
                if limit <= 0:
                    continue
                plans = _plan_adgroup(
                    state, adgroup, ads_of.get(str(adgroup["adgroup_id"]), []), at, hour_index
                )
                _cap(plans, limit)
                campaign_plans.extend(plans)
            _cap(campaign_plans, allowance(state, campaign["campaign_id"], campaign, at, day_fraction, False))
            account_plans.extend(campaign_plans)
        _cap(account_plans, balance)
        for plan in account_plans:
            _commit(state, plan, at, totals)
    return totals


def _commit(state: SimState, plan: _Plan, at: datetime, totals: dict[str, float]) -> None:
    if plan.impressions <= 0:
        return
    ad = plan.ad
    clicks = int(plan.rng.binomial(plan.impressions, min(plan.ctr, 1.0)))
    conversions = int(plan.rng.binomial(clicks, plan.cvr))
    spend = plan.spend
    audience = state.scenario.market.audience_size
    seen = state.cum_reach.get(ad["ad_id"], 0.0)
    reach = (audience - seen) * (1 - math.exp(-plan.impressions / audience))
    state.ledger.setdefault(ad["ad_id"], {})[hour_key(at)] = [
        float(plan.impressions), float(clicks), float(conversions), spend, reach,
    ]  # fmt: skip
    state.cum_impressions[ad["ad_id"]] = state.cum_impressions.get(ad["ad_id"], 0) + plan.impressions
    state.cum_reach[ad["ad_id"]] = seen + reach
    group = ad["adgroup_id"]
    state.cum_conversions[group] = state.cum_conversions.get(group, 0) + conversions
    state.first_delivery.setdefault(group, at)
    date = at.strftime("%Y-%m-%d")
    for entity in (group, ad["campaign_id"], ad["advertiser_id"]):
        day = state.spend_day.setdefault(entity, {})
        day[date] = day.get(date, 0.0) + spend
        state.spend_total[entity] = state.spend_total.get(entity, 0.0) + spend
    state.balances[ad["advertiser_id"]] = state.balances.get(ad["advertiser_id"], 0.0) - spend
    totals["impressions"] += plan.impressions
    totals["clicks"] += clicks
    totals["conversions"] += conversions
    totals["spend"] += spend


def advance(state: SimState, hours: int) -> dict[str, float]:
    """Move the clock ``hours`` forward, delivering each hour; returns the totals."""
    totals = {"impressions": 0.0, "clicks": 0.0, "conversions": 0.0, "spend": 0.0}
    for _ in range(hours):
        for key, value in simulate_hour(state, state.now).items():
            totals[key] += value
        state.now += timedelta(hours=1)
    totals["spend"] = round(totals["spend"], 2)
    return totals


def adgroup_truth(state: SimState, group: dict[str, Any]) -> dict[str, Any]:
    """What an oracle knows of one ad group at the current hour: the CPA its live ads deliver
    (traffic shared by CTR, learning, fatigue and events included, at its bid's CPM) and the
    spend it could absorb in a day at its bid."""
    market, group_id = state.scenario.market, group["adgroup_id"]
    live = [a["ad_id"] for a in state.ads.values() if a["adgroup_id"] == group_id and _ad_live(state, a)]
    won, cpm_factor = delivery_factor(state, group, live)
    learning = in_learning(state, group_id, state.now)
    true_cpa = None
    if live:
        ctrs = [effective_ctr(state, a) for a in live]
        weights = [c**market.share_power for c in ctrs]
        penalty = market.learning_cvr_factor if learning else 1.0
        rate = sum(
            w * c * min(effective_cvr(state, a) * penalty, 1.0)
            for a, c, w in zip(live, ctrs, weights, strict=True)
        ) / (sum(weights) or 1.0)
        true_cpa = market.cpm * cpm_factor / 1000 / rate if rate > 0 else None
    volume = state.adgroup_volume.get(group_id, market.hourly_impressions)
    return {
        "expected_cpa": expected_cpa(state, live),
        "true_cpa": true_cpa,
        "capacity_per_day": volume * 24 * won * market.cpm * cpm_factor / 1000 if live else 0.0,
        "delivery_factor": won,
        "cpm_factor": cpm_factor,
        "in_learning": learning,
        "cumulative_conversions": state.cum_conversions.get(group_id, 0),
        "live_ads": len(live),
    }


def truth_report(state: SimState) -> dict[str, Any]:
    """The hidden parameters, for benchmarks' oracles (``GET /sim/truth``)."""
    market = state.scenario.market
    ads = {}
    for ad_id, truth in sorted(state.truth.items()):
        ads[ad_id] = {
            **truth.model_dump(),
            "fatigue_multiplier": fatigue(market, state.cum_impressions.get(ad_id, 0)),
            "effective_ctr": effective_ctr(state, ad_id),
            "effective_cvr": effective_cvr(state, ad_id),
            "cumulative_impressions": state.cum_impressions.get(ad_id, 0),
        }
    groups = {group_id: adgroup_truth(state, group) for group_id, group in sorted(state.adgroups.items())}
    return {
        "now": state.now_str(),
        "seed": state.scenario.seed,
        "market": {**market.model_dump(), "market_cpa": market_cpa(market)},
        "events": [e.model_dump(mode="json") for e in state.events],
        "ads": ads,
        "adgroups": groups,
    }
