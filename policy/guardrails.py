"""Launch guardrails and pre-flight checks (spec section 12), as pure functions.

Every violation names the field, the rule and the reason, so that an operator can fix the
input; the launch creates nothing while any violation remains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models.launch import AdGroupSpec, AdSpec, CampaignLaunchInput, Violation

DEFAULT_NG_WORDS = (
    "guaranteed",
    "risk-free",
    "miracle",
    "100% cure",
    "get rich quick",
    "free money",
    "絶対儲かる",
    "必ず痩せる",
    "完全無料",
    "副作用なし",
)
DEFAULT_EXCLUDED_CATEGORIES = ("gambling", "adult", "weapons", "tobacco", "drugs")


@dataclass(frozen=True)
class LaunchPolicy:
    """The numbers of section 12; defaults are the spec's."""

    min_campaign_budget: float = 50.0
    min_adgroup_budget: float = 20.0
    max_daily_burn_of_monthly: float = 0.05
    cost_cap_band: float = 0.30
    max_ad_text: int = 100
    video_seconds: tuple[float, float] = (5.0, 60.0)
    video_max_bytes: int = 500 * 1024 * 1024
    image_formats: tuple[str, ...] = ("jpg", "jpeg", "png")
    ng_words: tuple[str, ...] = DEFAULT_NG_WORDS
    excluded_categories: tuple[str, ...] = DEFAULT_EXCLUDED_CATEGORIES


@dataclass(frozen=True)
class CreativeFacts:
    """What TikTok knows of an uploaded creative (from ``file/*/ad/info/``)."""

    kind: str  # "video" | "image"
    duration: float | None = None
    size: int | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass
class LaunchContext:
    """Facts the checks need that the input does not carry."""

    monthly_budget: float | None = None
    creatives: dict[str, CreativeFacts] = field(default_factory=dict)


def check_launch(
    inp: CampaignLaunchInput, ctx: LaunchContext, policy: LaunchPolicy | None = None
) -> list[Violation]:
    """Every guardrail and pre-flight violation of ``inp``; empty means it may proceed."""
    p = policy or LaunchPolicy()
    out: list[Violation] = []
    c = inp.campaign
    if c.budget_mode != "BUDGET_MODE_INFINITE":
        if c.budget is None:
            out.append(
                Violation(field="campaign.budget", rule="required", message=f"{c.budget_mode} needs a budget")
            )
        elif c.budget < p.min_campaign_budget:
            out.append(
                Violation(
                    field="campaign.budget",
                    rule="min_campaign_budget",
                    message=f"{c.budget:g} is below the minimum campaign budget {p.min_campaign_budget:g}",
                )
            )
    for i, g in enumerate(inp.adgroups):
        out.extend(_adgroup(f"adgroups[{i}]", g, ctx, p))
    out.extend(_burn(inp, ctx, p))
    return out


def _adgroup(where: str, g: AdGroupSpec, ctx: LaunchContext, p: LaunchPolicy) -> list[Violation]:
    out: list[Violation] = []
    if g.budget < p.min_adgroup_budget:
        out.append(
            Violation(
                field=f"{where}.budget",
                rule="min_adgroup_budget",
                message=f"{g.budget:g} is below the minimum ad group budget {p.min_adgroup_budget:g}",
            )
        )
    if g.bid_strategy == "cost_cap" and g.target_cpa and g.conversion_bid_price:
        low, high = g.target_cpa * (1 - p.cost_cap_band), g.target_cpa * (1 + p.cost_cap_band)
        if not low <= g.conversion_bid_price <= high:
            out.append(
                Violation(
                    field=f"{where}.conversion_bid_price",
                    rule="cost_cap_band",
                    message=(
                        f"Cost Cap bid {g.conversion_bid_price:g} is outside target CPA {g.target_cpa:g} "
                        f"±{p.cost_cap_band:.0%} ({low:g}..{high:g})"
                    ),
                )
            )
    for j, ad in enumerate(g.ads):
        out.extend(_ad(f"{where}.ads[{j}]", ad, ctx, p))
    return out


def _ad(where: str, ad: AdSpec, ctx: LaunchContext, p: LaunchPolicy) -> list[Violation]:
    out: list[Violation] = []
    if len(ad.ad_text) > p.max_ad_text:
        out.append(
            Violation(
                field=f"{where}.ad_text",
                rule="max_ad_text",
                message=f"longer than {p.max_ad_text} characters",
            )
        )
    text = ad.ad_text.lower()
    for word in p.ng_words:
        if word.lower() in text:
            out.append(
                Violation(field=f"{where}.ad_text", rule="ng_word", message=f"contains the NG word {word!r}")
            )
    if ad.category and ad.category.lower() in p.excluded_categories:
        out.append(
            Violation(
                field=f"{where}.category", rule="excluded_category", message=f"{ad.category!r} is excluded"
            )
        )
    creative_ids = [ad.video_id] if ad.ad_format == "SINGLE_VIDEO" and ad.video_id else list(ad.image_ids)
    for cid in creative_ids:
        out.extend(_creative(where, cid, ad.ad_format, ctx, p))
    return out


def _creative(where: str, cid: str, ad_format: str, ctx: LaunchContext, p: LaunchPolicy) -> list[Violation]:
    field_name = f"{where}.video_id" if ad_format == "SINGLE_VIDEO" else f"{where}.image_ids"
    facts = ctx.creatives.get(cid)
    if facts is None:
        return [
            Violation(
                field=field_name, rule="creative_exists", message=f"{cid} is not uploaded to this advertiser"
            )
        ]
    out: list[Violation] = []
    if ad_format == "SINGLE_VIDEO":
        lo, hi = p.video_seconds
        if facts.kind != "video":
            out.append(Violation(field=field_name, rule="creative_kind", message=f"{cid} is not a video"))
        elif facts.duration is not None and not lo <= facts.duration <= hi:
            out.append(
                Violation(
                    field=field_name,
                    rule="video_duration",
                    message=f"{cid} lasts {facts.duration:g} s, outside {lo:g}..{hi:g} s",
                )
            )
        if facts.size is not None and facts.size > p.video_max_bytes:
            out.append(Violation(field=field_name, rule="video_size", message=f"{cid} is larger than 500 MB"))
    elif facts.kind != "image" or (facts.format or "").lower() not in p.image_formats:
        out.append(
            Violation(
                field=field_name,
                rule="image_format",
                message=f"{cid} is not a JPG/PNG image ({facts.format})",
            )
        )
    return out


def _burn(inp: CampaignLaunchInput, ctx: LaunchContext, p: LaunchPolicy) -> list[Violation]:
    """Planned spend per day against 5 % of the advertiser's monthly budget."""
    if not ctx.monthly_budget:
        return []
    daily = sum(g.budget for g in inp.adgroups if g.budget_mode == "BUDGET_MODE_DAY")
    daily += sum(_per_day(g) for g in inp.adgroups if g.budget_mode == "BUDGET_MODE_TOTAL")
    c = inp.campaign
    if c.budget_mode == "BUDGET_MODE_DAY" and c.budget:
        daily = min(daily, c.budget)
    cap = ctx.monthly_budget * p.max_daily_burn_of_monthly
    if daily <= cap:
        return []
    return [
        Violation(
            field="adgroups[].budget",
            rule="daily_burn",
            message=(
                f"planned {daily:g}/day exceeds {p.max_daily_burn_of_monthly:.0%} of the monthly budget "
                f"{ctx.monthly_budget:g} ({cap:g}/day)"
            ),
        )
    ]


def _per_day(g: AdGroupSpec) -> float:
    if g.schedule_start_time and g.schedule_end_time:
        fmt = "%Y-%m-%d %H:%M:%S"
        days = (
            datetime.strptime(g.schedule_end_time, fmt) - datetime.strptime(g.schedule_start_time, fmt)
        ).days
        return g.budget / max(1, days)
    return g.budget


def creative_problems(
    kind: str, creative_id: str, facts: CreativeFacts, policy: LaunchPolicy | None = None
) -> list[str]:
    """Pre-flight of one freshly uploaded creative: format, duration, size."""
    ctx = LaunchContext(creatives={creative_id: facts})
    ad_format = "SINGLE_VIDEO" if kind == "video" else "SINGLE_IMAGE"
    return [v.message for v in _creative("upload", creative_id, ad_format, ctx, policy or LaunchPolicy())]
