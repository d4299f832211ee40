"""The scenario: everything a simulator run starts from, as a validated JSON document.

A scenario names the developer apps, the advertisers with their pre-existing campaigns,
ad groups, ads and creatives (with hidden true CTR/CVR where the author wants to fix them),
pre-issued tokens and auth codes, the market the synthetic auction draws from, rate limits,
faults and the seed. ``demo_scenario()`` is the built-in one (``scenarios/demo.json``).
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEMO_APP_ID = "demo-app"
DEMO_SECRET = "demo-secret"
DEMO_ADVERTISER_ID = "7000000000000000001"
DEMO_SECOND_ADVERTISER_ID = "7000000000000000002"
DEMO_ACCESS_TOKEN = "demo-access-token"
DEMO_AUTH_CODE = "demo-auth-code"

FAMILIES = ("oauth", "account", "management", "file", "report", "report_task", "audience", "event")
DEFAULT_SCOPE = [1, 2, 3, 4, 5, 6, 7, 8]
DEFAULT_HOUR_CURVE = [
    0.35, 0.25, 0.2, 0.18, 0.2, 0.3, 0.5, 0.75, 0.9, 1.0, 1.05, 1.1,
    1.15, 1.1, 1.05, 1.05, 1.1, 1.2, 1.35, 1.5, 1.6, 1.55, 1.2, 0.7,
]  # fmt: skip


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppSpec(_Model):
    app_id: str
    secret: str


class TokenSpec(_Model):
    """A pre-issued access token. No ``expires_in_hours`` = never expires (TikTok's long-term token)."""

    access_token: str
    app_id: str
    advertiser_ids: list[str]
    scope: list[int] = Field(default_factory=lambda: list(DEFAULT_SCOPE))
    expires_in_hours: float | None = None
    refresh_token: str | None = None
    refresh_expires_in_hours: float | None = 8760.0


class AuthCodeSpec(_Model):
    """A consent-page auth code: single use, valid ``expires_in_hours`` of simulated time (None: forever)."""

    auth_code: str
    app_id: str
    advertiser_ids: list[str]
    scope: list[int] = Field(default_factory=lambda: list(DEFAULT_SCOPE))
    expires_in_hours: float | None = 1.0


class AdSpec(_Model):
    ad_id: str | None = None
    ad_name: str
    ad_text: str = "Shop now"
    ad_format: str = "SINGLE_VIDEO"
    video_id: str | None = None
    image_ids: list[str] = Field(default_factory=list)
    call_to_action: str = "SHOP_NOW"
    landing_page_url: str = "https://example.com/"
    display_name: str = "Demo Brand"
    operation_status: Literal["ENABLE", "DISABLE", "DELETE"] = "ENABLE"
    review_status: Literal["APPROVED", "IN_REVIEW", "REJECTED"] = "APPROVED"
    true_ctr: float | None = Field(default=None, gt=0, lt=1)
    true_cvr: float | None = Field(default=None, gt=0, lt=1)


class AdGroupSpec(_Model):
    adgroup_id: str | None = None
    adgroup_name: str
    budget_mode: str = "BUDGET_MODE_DAY"
    budget: float | None = 50.0
    bid_type: str = "BID_TYPE_NO_BID"
    bid_price: float | None = None
    conversion_bid_price: float | None = None
    optimization_goal: str = "CONVERT"
    billing_event: str = "OCPM"
    pacing: str = "PACING_MODE_SMOOTH"
    placement_type: str = "PLACEMENT_TYPE_AUTOMATIC"
    placements: list[str] = Field(default_factory=list)
    location_ids: list[str] = Field(default_factory=lambda: ["6252001"])
    schedule_type: str = "SCHEDULE_FROM_NOW"
    schedule_start_time: str | None = None
    schedule_end_time: str | None = None
    operation_status: Literal["ENABLE", "DISABLE", "DELETE"] = "ENABLE"
    hourly_impressions: float | None = Field(default=None, ge=0)
    ads: list[AdSpec] = Field(default_factory=list)


class CampaignSpec(_Model):
    campaign_id: str | None = None
    campaign_name: str
    objective_type: str = "WEB_CONVERSIONS"
    budget_mode: str = "BUDGET_MODE_INFINITE"
    budget: float | None = None
    budget_optimize_on: bool = False
    operation_status: Literal["ENABLE", "DISABLE", "DELETE"] = "ENABLE"
    adgroups: list[AdGroupSpec] = Field(default_factory=list)


class VideoSpec(_Model):
    video_id: str | None = None
    file_name: str
    width: int = 1080
    height: int = 1920
    duration: float = 15.0
    size: int = 2_400_000
    format: str = "mp4"


class ImageSpec(_Model):
    image_id: str | None = None
    file_name: str
    width: int = 1080
    height: int = 1920
    size: int = 180_000
    format: str = "jpeg"


class AdvertiserSpec(_Model):
    advertiser_id: str
    name: str
    currency: str = "USD"
    timezone: str = "UTC"
    country: str = "US"
    company: str = "Demo Company"
    balance: float = 100_000.0
    monthly_budget: float | None = None
    long_term_token: bool = False
    campaigns: list[CampaignSpec] = Field(default_factory=list)
    videos: list[VideoSpec] = Field(default_factory=list)
    images: list[ImageSpec] = Field(default_factory=list)


class MarketSpec(_Model):
    """Parameters of the synthetic auction (equations in docs/simulator.md)."""

    cpm: float = Field(default=8.0, gt=0)
    cpm_noise: float = Field(default=0.15, ge=0)
    hourly_impressions: float = Field(default=3000.0, ge=0)
    hour_curve: list[float] = Field(default_factory=lambda: list(DEFAULT_HOUR_CURVE))
    ctr_prior: tuple[float, float] = (2.0, 150.0)
    cvr_prior: tuple[float, float] = (2.0, 60.0)
    fatigue_impressions: float = Field(default=400_000.0, gt=0)
    fatigue_floor: float = Field(default=0.5, ge=0, le=1)
    learning_conversions: int = 50
    learning_days: float = 7.0
    learning_cvr_factor: float = Field(default=0.8, gt=0)
    learning_noise: float = Field(default=0.35, ge=0)
    cost_cap_steepness: float = Field(default=6.0, gt=0)
    cost_cap_midpoint: float = Field(default=0.85, gt=0)
    audience_size: float = Field(default=2_000_000.0, gt=0)
    share_power: float = Field(default=1.0, ge=0)
    total_budget_days: float = Field(default=7.0, gt=0)

    @field_validator("hour_curve")
    @classmethod
    def _curve(cls, value: list[float]) -> list[float]:
        if len(value) != 24 or any(v < 0 for v in value) or sum(value) <= 0:
            raise ValueError("hour_curve needs 24 non-negative values with a positive sum")
        return value


class EventTarget(_Model):
    """Which ads an event changes: every ad of that name, of the ad groups or campaigns of that name."""

    ad_name: str | None = None
    adgroup_name: str | None = None
    campaign_name: str | None = None

    @model_validator(mode="after")
    def _one(self) -> EventTarget:
        if sum(v is not None for v in (self.ad_name, self.adgroup_name, self.campaign_name)) != 1:
            raise ValueError("give exactly one of ad_name, adgroup_name, campaign_name")
        return self


class MarketEvent(_Model):
    """The market changes during a run: from simulated hour ``at`` on, the matching ads' true
    CTR and CVR are multiplied by these factors (a sudden CPA shift, a creative that stops
    working, a competitor leaving)."""

    at: datetime
    target: EventTarget
    true_cvr_factor: float = Field(default=1.0, gt=0)
    true_ctr_factor: float = Field(default=1.0, gt=0)

    @field_validator("at")
    @classmethod
    def _hour(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=None, minute=0, second=0, microsecond=0)


class FamilyLimit(_Model):
    """Requests per second/minute; None or 0 = unlimited."""

    advertiser_qps: float | None = None
    advertiser_qpm: float | None = None
    app_qps: float | None = None
    app_qpm: float | None = None


class LimitsSpec(_Model):
    default: FamilyLimit = Field(
        default_factory=lambda: FamilyLimit(advertiser_qps=10, advertiser_qpm=600, app_qps=50, app_qpm=3000)
    )
    families: dict[str, FamilyLimit] = Field(default_factory=dict)
    advertiser_error_code: Literal[40100, 40133] = 40100

    def for_family(self, family: str) -> FamilyLimit:
        return self.families.get(family, self.default)


FaultKind = Literal["http_error", "error_code", "timeout", "latency", "delay_after_mutation"]


class FaultRule(_Model):
    """One fault: fires with ``probability`` on requests matching its scope, at most ``max_count`` times."""

    kind: FaultKind
    probability: float = Field(default=1.0, ge=0, le=1)
    code: int = 50000
    message: str | None = None
    http_status: int = Field(default=503, ge=400, le=599)
    seconds: float = Field(default=0.0, ge=0)
    latency_ms: float = Field(default=0.0, ge=0)
    family: str | None = None
    path: str | None = None
    advertiser_id: str | None = None
    method: str | None = None
    max_count: int | None = Field(default=None, ge=0)


class FaultsSpec(_Model):
    seed: int | None = None
    rules: list[FaultRule] = Field(default_factory=list)


class Scenario(_Model):
    """A complete simulator setup; see docs/simulator.md for an annotated example."""

    name: str = "custom"
    seed: int = 42
    start_time: datetime = datetime(2024, 1, 1)
    apps: list[AppSpec] = Field(default_factory=list)
    advertisers: list[AdvertiserSpec] = Field(default_factory=list)
    access_tokens: list[TokenSpec] = Field(default_factory=list)
    auth_codes: list[AuthCodeSpec] = Field(default_factory=list)
    market: MarketSpec = Field(default_factory=MarketSpec)
    limits: LimitsSpec = Field(default_factory=LimitsSpec)
    faults: FaultsSpec = Field(default_factory=FaultsSpec)
    events: list[MarketEvent] = Field(default_factory=list)
    idempotency: bool = False
    unique_campaign_names: bool = True
    video_processing_checks: int = Field(default=1, ge=0)
    video_processing_seconds: float = Field(default=2.0, ge=0)
    report_task_checks: int = Field(default=2, ge=0)
    report_task_seconds: float = Field(default=5.0, ge=0)

    @field_validator("start_time")
    @classmethod
    def _hour(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=None, minute=0, second=0, microsecond=0)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        apps = {a.app_id for a in self.apps}
        advertisers = {a.advertiser_id for a in self.advertisers}
        grants: list[TokenSpec | AuthCodeSpec] = [*self.access_tokens, *self.auth_codes]
        for grant in grants:
            if grant.app_id not in apps:
                raise ValueError(f"unknown app_id {grant.app_id!r} in a token or auth code")
            unknown = set(grant.advertiser_ids) - advertisers
            if unknown:
                raise ValueError(f"unknown advertiser_ids {sorted(unknown)} in a token or auth code")
        return self


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario JSON file."""
    return Scenario.model_validate_json(Path(path).read_text(encoding="utf-8"))


def demo_scenario() -> Scenario:
    """The built-in demo: app ``demo-app``/``demo-secret``, advertiser ``7000000000000000001``,
    token ``demo-access-token`` (no expiry), 3 campaigns, 6 ad groups, 15 ads, 5 videos, 3 images."""
    text = resources.files("simulator").joinpath("scenarios/demo.json").read_text(encoding="utf-8")
    return Scenario.model_validate(json.loads(text))
