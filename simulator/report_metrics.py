"""Every metric TikTok documents for ``report/integrated/get/``, and how the auction answers it.

The names (``report_metrics.txt``, 826 of them in 15 families) are TikTok's; a name not among
them is refused with 40002. The auction's hourly ledger holds impressions, clicks, conversions,
spend and reach per ad; the other counts are derived from them per ad with rates fixed by the
ad's id (video plays and their quartiles, watch time, likes, comments, shares, follows,
profile visits, music-disc clicks; app installs are the conversions of APP_PROMOTION
campaigns), so every report, level and bucket adds up the same way. Metrics of events the
simulated market never produces (LIVE, shop, offline, messaging, page and in-app events
other than installs) are documented, accepted and zero. Attribute metrics (names, budgets,
bids...) come from the objects, at the levels TikTok allows them.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from simulator.errors import param_error


def _load() -> dict[str, str]:
    text = resources.files("simulator").joinpath("report_metrics.txt").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        family, names = line.split(":", 1)
        for name in names.split(","):
            out.setdefault(name.strip(), family.strip())
    return out


DOCUMENTED = _load()  # name -> family
LEVELS = ("AUCTION_ADVERTISER", "AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD")
ADV, CMP, AG, AD = LEVELS
# Attribute metrics and the data levels that allow them (TikTok's reporting docs).
ATTRIBUTE_LEVELS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("advertiser_name", "advertiser_id", "currency"), LEVELS),
    **dict.fromkeys(
        (
            "campaign_name",
            "objective_type",
            "split_test",
            "campaign_budget",
            "campaign_dedicate_type",
            "app_promotion_type",
            "campaign_automation_type",
        ),
        (CMP, AG, AD),
    ),
    **dict.fromkeys(
        (
            "campaign_id",
            "adgroup_name",
            "placement_type",
            "promotion_type",
            "opt_status",
            "adgroup_download_url",
            "profile_image",
            "dpa_target_audience_type",
            "budget",
            "smart_target",
            "billing_event",
            "pricing_category",
            "bid_strategy",
            "bid",
            "bid_secondary_goal",
            "tt_app_id",
            "tt_app_name",
            "mobile_app_id",
            "aeo_type",
        ),
        (AG, AD),
    ),
    "is_aco": (AG,),
    **dict.fromkeys(
        (
            "adgroup_id",
            "ad_id",
            "ad_name",
            "ad_text",
            "call_to_action",
            "image_mode",
            "ad_profile_image",
            "ad_url",
            "is_smart_creative",
            "ad_id_v2",
        ),
        (AD,),
    ),
}
ADVERTISER_DAILY_ONLY = ("cash_spend", "voucher_spend")
AUDIENCE_METRICS = frozenset(
    {
        "spend",
        "cpc",
        "cpm",
        "impressions",
        "gross_impressions",
        "clicks",
        "ctr",
        "conversion",
        "cost_per_conversion",
        "conversion_rate",
        "conversion_rate_v2",
        "real_time_conversion",
        "real_time_cost_per_conversion",
        "real_time_conversion_rate",
        "real_time_conversion_rate_v2",
        "result",
        "cost_per_result",
        "result_rate",
        "real_time_result",
        "real_time_cost_per_result",
        "real_time_result_rate",
    }
)
# AUDIENCE breakdowns: each cell's share of an ad's delivery (the simulated audience mix).
AUDIENCE_SHARES: dict[str, dict[str, float]] = {
    "gender": {"FEMALE": 0.52, "MALE": 0.45, "NONE": 0.03},
    "age": {
        "AGE_13_17": 0.05,
        "AGE_18_24": 0.34,
        "AGE_25_34": 0.31,
        "AGE_35_44": 0.16,
        "AGE_45_54": 0.09,
        "AGE_55_100": 0.05,
    },
    "platform": {"ANDROID": 0.56, "IPHONE": 0.42, "IPAD": 0.02},
}
AUDIENCE_DIMENSIONS = (*AUDIENCE_SHARES, "country_code")

# The accumulator: the ledger's five values, then the derived counts.
COLUMNS = (
    "impressions",
    "clicks",
    "conversion",
    "spend",
    "reach",
    "plays",
    "watched_2s",
    "p25",
    "watched_6s",
    "p50",
    "p75",
    "p100",
    "play_seconds",
    "likes",
    "comments",
    "shares",
    "follows",
    "profile_visits",
    "music_clicks",
    "installs",
)
INDEX = {name: i for i, name in enumerate(COLUMNS)}
DERIVED = frozenset(
    {
        "video_play_actions",
        "video_watched_2s",
        "video_watched_6s",
        "video_views_p25",
        "video_views_p50",
        "video_views_p75",
        "video_views_p100",
        "engaged_view",
        "average_video_play",
        "average_video_play_per_user",
        "likes",
        "comments",
        "shares",
        "follows",
        "profile_visits",
        "clicks_on_music_disc",
        "engagements",
        "engagement_rate",
        "profile_visits_rate",
        "app_install",
        "real_time_app_install",
        "cost_per_app_install",
        "real_time_app_install_cost",
    }
)
ENGAGEMENTS = ("likes", "comments", "shares", "follows", "profile_visits", "music_clicks")


def check_metrics(
    metrics: list[str],
    *,
    level: str,
    report_type: str,
    id_dimension: str | None,
    time_dimension: str | None,
    lifetime: bool,
) -> None:
    """40002 naming the first metric TikTok would refuse for this request."""
    for metric in metrics:
        if metric not in DOCUMENTED:
            raise param_error("metrics", f"{metric} is not a valid metric.")
        if metric in ATTRIBUTE_LEVELS:
            if id_dimension is None:
                raise param_error("metrics", f"{metric} is an attribute metric: add an id dimension.")
            if level not in ATTRIBUTE_LEVELS[metric]:
                allowed = ", ".join(ATTRIBUTE_LEVELS[metric])
                raise param_error("metrics", f"{metric} is not supported at {level} (only {allowed}).")
        elif metric in ADVERTISER_DAILY_ONLY and (
            level != ADV or time_dimension == "stat_time_hour" or lifetime
        ):
            raise param_error("metrics", f"{metric} is supported at AUCTION_ADVERTISER level by day only.")
        elif report_type == "AUDIENCE" and metric not in AUDIENCE_METRICS and metric not in ATTRIBUTE_LEVELS:
            raise param_error("metrics", f"{metric} is not supported in AUDIENCE reports.")


def _unit(ad_id: str, salt: str) -> float:
    """A number in [0, 1) fixed by the ad and what it is for."""
    digest = hashlib.sha256(f"{ad_id}:{salt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _between(ad_id: str, salt: str, low: float, high: float) -> float:
    return low + (high - low) * _unit(ad_id, salt)


def derived_rates(ad_id: str, ad: dict[str, Any], app_campaign: bool) -> list[float]:
    """Per impression: plays, each watch milestone and watch time (video ads only), and the
    engagement counts; installs per conversion. Milestones only ever shrink."""
    video = bool(ad.get("video_id"))
    plays = _between(ad_id, "plays", 0.55, 0.85) if video else 0.0
    chain = [plays]
    for salt, low, high in (
        ("2s", 0.5, 0.75),
        ("p25", 0.8, 0.95),
        ("6s", 0.55, 0.8),
        ("p50", 0.6, 0.85),
        ("p75", 0.55, 0.8),
        ("p100", 0.45, 0.75),
    ):
        chain.append(chain[-1] * _between(ad_id, salt, low, high))
    seconds = plays * 1.0 + chain[1] * 2.5 + chain[3] * 3.0 + chain[6] * 4.0  # the watch time those views add
    base = plays if video else 1.0  # engagement is counted on plays, or on impressions for images
    social = [
        base * _between(ad_id, salt, low, high)
        for salt, low, high in (
            ("likes", 0.005, 0.03),
            ("comments", 0.0005, 0.003),
            ("shares", 0.0005, 0.005),
            ("follows", 0.0002, 0.002),
            ("visits", 0.001, 0.01),
            ("music", 0.0001, 0.001),
        )
    ]
    return [*chain, seconds, *social, 1.0 if app_campaign else 0.0]


def needs_derived(metrics: list[str]) -> bool:
    """Whether any metric asked for is one of the derived counts (else only the ledger is summed)."""
    return any(m in DERIVED for m in metrics)


def add_hour(acc: list[float], values: list[float], rates: list[float] | None) -> None:
    """Add one ledger hour ``[impressions, clicks, conversions, spend, reach]`` and what it derives."""
    for i, value in enumerate(values):
        acc[i] += value
    if rates is None:
        return
    impressions, conversions = values[0], values[2]
    for i, rate in enumerate(rates[:-1]):
        acc[5 + i] += impressions * rate
    acc[-1] += conversions * rates[-1]


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> str:
    return f"{numerator / denominator * scale:.2f}" if denominator else "0.00"


def _zero(metric: str) -> str:
    money_or_rate = (
        "rate",
        "cost",
        "value",
        "roas",
        "avg",
        "average",
        "ctr",
        "cpc",
        "cpm",
        "duration",
        "spend",
    )
    return "0.00" if any(word in metric for word in money_or_rate) else "0"


def format_metrics(
    acc: list[float], metrics: list[str], attributes: dict[str, str] | None = None
) -> dict[str, str]:
    """The metrics of one row (or the totals), as TikTok formats them: strings."""
    c = {name: acc[i] for name, i in INDEX.items()}
    reach = round(c["reach"])
    engagements = sum(
        c[k] for k in ("likes", "comments", "shares", "follows", "profile_visits", "music_clicks")
    )
    counts = {
        "impressions": c["impressions"],
        "gross_impressions": c["impressions"],
        "clicks": c["clicks"],
        "conversion": c["conversion"],
        "real_time_conversion": c["conversion"],
        "result": c["conversion"],
        "real_time_result": c["conversion"],
        "reach": reach,
        "video_play_actions": c["plays"],
        "video_watched_2s": c["watched_2s"],
        "video_watched_6s": c["watched_6s"],
        "video_views_p25": c["p25"],
        "video_views_p50": c["p50"],
        "video_views_p75": c["p75"],
        "video_views_p100": c["p100"],
        "engaged_view": c["watched_6s"],
        "likes": c["likes"],
        "comments": c["comments"],
        "shares": c["shares"],
        "follows": c["follows"],
        "profile_visits": c["profile_visits"],
        "clicks_on_music_disc": c["music_clicks"],
        "engagements": engagements,
        "app_install": c["installs"],
        "real_time_app_install": c["installs"],
    }
    money = {
        "spend": c["spend"],
        "billed_cost": c["spend"],
        "cash_spend": c["spend"],
        "voucher_spend": 0.0,
    }
    per = {  # metric -> (numerator, denominator, scale)
        "ctr": (c["clicks"], c["impressions"], 100),
        "cpm": (c["spend"], c["impressions"], 1000),
        "cpc": (c["spend"], c["clicks"], 1),
        "frequency": (c["impressions"], reach, 1),
        "cost_per_1000_reached": (c["spend"], reach, 1000),
        "average_video_play": (c["play_seconds"], c["plays"], 1),
        "average_video_play_per_user": (c["play_seconds"], reach, 1),
        "engagement_rate": (engagements, c["impressions"], 100),
        "profile_visits_rate": (c["profile_visits"], c["impressions"], 100),
        "cost_per_app_install": (c["spend"], c["installs"], 1),
        "real_time_app_install_cost": (c["spend"], c["installs"], 1),
    }
    for prefix in ("", "real_time_"):
        per[f"{prefix}cost_per_conversion"] = (c["spend"], c["conversion"], 1)
        per[f"{prefix}conversion_rate"] = (c["conversion"], c["clicks"], 100)
        per[f"{prefix}conversion_rate_v2"] = (c["conversion"], c["impressions"], 100)
        per[f"{prefix}cost_per_result"] = (c["spend"], c["conversion"], 1)
        per[f"{prefix}result_rate"] = (c["conversion"], c["impressions"], 100)
    out: dict[str, str] = {}
    for metric in metrics:
        if attributes is not None and metric in attributes:
            out[metric] = attributes[metric]
        elif metric in counts:
            out[metric] = str(round(counts[metric]))
        elif metric in money:
            out[metric] = f"{money[metric]:.2f}"
        elif metric in per:
            out[metric] = _ratio(*per[metric])
        else:
            out[metric] = _zero(metric)
    return out
