"""``RejectionRecovery``: its input, the review events it is signalled, the human decisions it
waits for, what its activities answer, and what its ``status`` query shows."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from models.workflows import AdvertiserId, WorkflowInput

ReviewStatus = Literal["APPROVED", "REJECTED", "IN_REVIEW"]
# What a rejection is about: a new creative can fix "creative"; the others need a person.
Category = Literal["creative", "landing_page", "account"]
RecoveryStateName = Literal[
    "inspecting",
    "pausing",
    "replacing",
    "awaiting_review",
    "restoring",
    "restored",
    "escalated",
    "gave_up",
    "not_rejected",
    "handled_elsewhere",
]
REVIEW_SIGNAL = "review_update"


def recovery_id(ad_id: str) -> str:
    """``recover-<ad id>``: the one recovery of a rejected ad."""
    return f"recover-{ad_id}"


class RejectionRecoveryInput(WorkflowInput):
    """Input of ``RejectionRecovery`` (started by the webhook receiver, the reconciler or an operator)."""

    advertiser_id: AdvertiserId
    ad_id: str = Field(pattern=r"^\d{1,32}$", description="the rejected ad")
    reject_reason: str | None = Field(default=None, max_length=2000, description="as the event said")
    source: Literal["webhook", "poll", "operator"] = "operator"
    event_id: str | None = Field(default=None, max_length=128)
    rejected_at: datetime | None = Field(default=None, description="when TikTok rejected it (MTTR start)")
    max_attempts: int = Field(default=3, ge=1, le=10, description="replacements tried before escalating")
    review_timeout_minutes: float = Field(default=30, gt=0, le=7 * 24 * 60)
    poll_seconds: float = Field(default=60, ge=1, le=3600, description="review poll when no webhook comes")
    actor: str = Field(default="rejection-recovery", max_length=128)

    def summary(self) -> str:
        return f"Recover rejected ad {self.ad_id} of advertiser {self.advertiser_id} ({self.source})"


class ReviewUpdate(BaseModel):
    """A review outcome (from a webhook or a poll) signalled to the recovery."""

    model_config = ConfigDict(extra="ignore")

    event_id: str
    ad_id: str
    review_status: ReviewStatus
    reject_reason: str | None = None


class RetryWith(BaseModel):
    """A person's answer to an escalation: try this creative (and text, landing page) now."""

    model_config = ConfigDict(extra="forbid")

    actor: str = Field(min_length=1, max_length=128)
    creative_id: str = Field(min_length=1, max_length=64, description="video_id, or image id")
    kind: Literal["video", "image"] = "video"
    ad_text: str | None = Field(default=None, min_length=1, max_length=100)
    call_to_action: str | None = None
    landing_page_url: HttpUrl | None = None


class GiveUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str = Field(min_length=1, max_length=128)
    reason: str = Field(default="", max_length=2000)


class InspectInput(BaseModel):
    advertiser_id: str
    ad_id: str
    reject_reason: str | None = None


class RejectedAd(BaseModel):
    """What TikTok says of the ad now, and what its replacement is built from."""

    advertiser_id: str
    ad_id: str
    ad_name: str
    adgroup_id: str
    campaign_id: str
    review_status: ReviewStatus
    reasons: list[str] = Field(default_factory=list)
    category: Category = "creative"
    operation_status: str
    adgroup_status: str
    live_siblings: int = Field(description="other ads of the group that can still deliver")
    ad_format: Literal["SINGLE_VIDEO", "SINGLE_IMAGE"] = "SINGLE_VIDEO"
    ad_text: str = ""
    call_to_action: str = "LEARN_MORE"
    landing_page_url: str = ""
    display_name: str | None = None
    owner: str | None = Field(default=None, description="the recovery this ad is a replacement of")


class PickInput(BaseModel):
    advertiser_id: str
    campaign_id: str
    exclude: list[int] = Field(default_factory=list, description="pool ids already tried")


class PoolCreative(BaseModel):
    """One approved item of the creative pool."""

    pool_id: int | None = None
    kind: Literal["video", "image"] = "video"
    creative_id: str
    ad_text: str
    call_to_action: str = "LEARN_MORE"
    landing_page_url: str | None = None


class WatchInput(BaseModel):
    advertiser_id: str
    ad_id: str
    workflow_id: str


class ReviewCheck(BaseModel):
    advertiser_id: str
    ad_id: str


class ReviewVerdict(BaseModel):
    ad_id: str
    review_status: ReviewStatus
    reasons: list[str] = Field(default_factory=list)


class Attempt(BaseModel):
    """One replacement tried: which creative, which ad it made, how review answered."""

    number: int
    pool_id: int | None = None
    creative_id: str
    chosen_by: str = "pool"
    ad_id: str | None = None
    outcome: str = "pending"


class RecoveryStatus(BaseModel):
    """What the ``status`` query answers (and the ``recovery`` table keeps)."""

    workflow_id: str = ""
    advertiser_id: str = ""
    ad_id: str = ""
    state: RecoveryStateName = "inspecting"
    waiting_for: str = ""
    reason: str = ""
    category: str = ""
    paused: list[str] = Field(default_factory=list, description="what this recovery paused")
    attempts: list[Attempt] = Field(default_factory=list)
    replacement_ad_id: str | None = None
    rejected_at: datetime | None = None
    restored_at: datetime | None = None
    mttr_seconds: float | None = None
    escalation: str | None = None
    decided_by: str | None = None


class RecoveryResult(BaseModel):
    outcome: Literal["restored", "gave_up", "not_rejected", "handled_elsewhere"]
    status: RecoveryStatus


class ReconcileResult(BaseModel):
    """What the reconciler found: rejected ads still enabled, the recoveries it handed them
    to (started, or signalled when running), the replacements it left to their recovery."""

    rejected: int = 0
    handed_off: list[str] = Field(default_factory=list)
    replacements: list[str] = Field(default_factory=list)
