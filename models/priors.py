"""``PriorFit``'s input and result: which advertiser, how many days of numbers, what came out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.workflows import AdvertiserId


class PriorFitInput(BaseModel):
    """``{"advertiser_id": "7000000000000000001"}``: fit the advertiser's hierarchical priors."""

    model_config = ConfigDict(extra="forbid")

    advertiser_id: AdvertiserId = Field(description="TikTok advertiser id (digits only)")
    days: int = Field(default=28, ge=7, le=90, description="report days the model learns from")
    target_cpa: float | None = Field(
        default=None, gt=0, description="the prior's centre (default: the account's CPA)"
    )
    steps: int = Field(default=20_000, ge=500, le=200_000, description="ADVI iterations")
    seed: int = 0


class PriorFitResult(BaseModel):
    advertiser_id: str
    outcome: str = Field(description="fitted, or skipped")
    reason: str = ""
    through_day: str | None = None
    groups: int = 0
    campaigns: int = 0
    seconds: float = 0.0
    summary: str = ""
