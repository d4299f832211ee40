"""``DailyReport``: the previous day's full data per advertiser, for the warehouse.

TikTok's numbers for a day keep changing for about 36 hours (real-time data arrives some 15
minutes late, attribution settles later). A day pulled before it is final is pulled again
by the following runs, within ``lookback_days``, until a pull happens after it is final.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from models.workflows import AdvertiserId, WorkflowInput

Level = Literal["campaign", "adgroup", "ad"]
LEVELS: tuple[Level, ...] = ("campaign", "adgroup", "ad")
FINAL_AFTER_HOURS = 36  # TikTok: a day's numbers settle within about 36 hours of its end
DATA_LEVEL = {"campaign": "AUCTION_CAMPAIGN", "adgroup": "AUCTION_ADGROUP", "ad": "AUCTION_AD"}
ID_DIMENSION = {"campaign": "campaign_id", "adgroup": "adgroup_id", "ad": "ad_id"}
# What the warehouse gets per row (TikTok's names); attribute metrics by level on top.
METRICS = (
    "spend", "impressions", "clicks", "ctr", "cpc", "cpm", "reach", "frequency", "conversion",
    "cost_per_conversion", "conversion_rate", "result", "cost_per_result", "video_play_actions",
    "video_watched_2s", "video_watched_6s", "video_views_p25", "video_views_p50", "video_views_p75",
    "video_views_p100", "average_video_play", "likes", "comments", "shares", "follows", "profile_visits",
    "engagements", "app_install",
)  # fmt: skip
ATTRIBUTES = {
    "campaign": ("campaign_name", "objective_type"),
    "adgroup": ("campaign_id", "adgroup_name"),
    "ad": ("campaign_id", "adgroup_id", "ad_name"),
}


class DailyReportInput(WorkflowInput):
    advertiser_id: AdvertiserId
    day: date | None = Field(default=None, description="default: yesterday in TikTok's time")
    lookback_days: int = Field(default=3, ge=0, le=30, description="days before it re-pulled until final")
    levels: list[Level] = Field(default_factory=lambda: list(LEVELS), min_length=1)
    summary_alert: bool = Field(default=True, description="send the day's summary through the alert routes")

    def summary(self) -> str:
        return f"Daily report of advertiser {self.advertiser_id}" + (f" for {self.day}" if self.day else "")


class PlanInput(BaseModel):
    advertiser_id: str
    day: date | None
    lookback_days: int


class ReportPlan(BaseModel):
    """The days to pull: the target day and earlier ones whose last pull was not final."""

    target: date
    days: list[date]
    now: str = Field(description="TikTok's time when planned (ISO)")


class PullInput(BaseModel):
    advertiser_id: str
    day: date
    level: Level


class PulledDay(BaseModel):
    day: date
    level: Level
    rows: int
    final: bool
    parquet: str | None = None
    spend: float = 0.0
    conversions: float = 0.0


class Fatigue(BaseModel):
    """Ads whose CTR fell well below their early CTR, and the pool items retired with them."""

    ads: list[str] = Field(default_factory=list)
    pool_ids: list[int] = Field(default_factory=list)


class DailyReportResult(BaseModel):
    advertiser_id: str
    target: date
    pulled: list[PulledDay] = Field(default_factory=list)
    spend: float = 0.0
    conversions: float = 0.0
    cpa: float | None = None
    fatigue: Fatigue | None = None
