"""Workflow type names, workflow ids, search attributes, and the input/output models.

Names are a public interface: operators type them in the Temporal UI and CLI, so they are
defined here once (sandbox-safe, so workflows use them too). Inputs are single pydantic
models that accept plain JSON.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from temporalio.common import SearchAttributeKey

from models.errors import InvalidInput

ADVERTISER_SYNC = "AdvertiserSync"
CAMPAIGN_LAUNCH = "CampaignLaunch"
CREATIVE_INGEST = "CreativeIngest"
OPTIMIZATION_CYCLE = "OptimizationCycle"
REJECTION_RECOVERY = "RejectionRecovery"
ROLLBACK = "Rollback"
AUDIENCE_SYNC = "AudienceSync"
CONVERSION_UPLOAD = "ConversionUpload"
TOKEN_REFRESH = "TokenRefresh"
DAILY_REPORT = "DailyReport"
PRIOR_FIT = "PriorFit"
RETENTION_PURGE = "RetentionPurge"
RETENTION_SCHEDULE = "privacy-retention"

WORKFLOW_TYPES = (
    ADVERTISER_SYNC,
    CAMPAIGN_LAUNCH,
    CREATIVE_INGEST,
    OPTIMIZATION_CYCLE,
    REJECTION_RECOVERY,
    ROLLBACK,
    AUDIENCE_SYNC,
    CONVERSION_UPLOAD,
    TOKEN_REFRESH,
    DAILY_REPORT,
    PRIOR_FIT,
    RETENTION_PURGE,
)

# Search attributes (Keyword), registered by `make demo` and documented for production.
ADVERTISER_ID = SearchAttributeKey.for_keyword("AdvertiserId")
CAMPAIGN_NAME = SearchAttributeKey.for_keyword("CampaignName")
APPROVAL_STATE = SearchAttributeKey.for_keyword("ApprovalState")
RECOVERY_STATE = SearchAttributeKey.for_keyword("RecoveryState")  # set by RejectionRecovery
SEARCH_ATTRIBUTE_KEYS = (ADVERTISER_ID, CAMPAIGN_NAME, APPROVAL_STATE, RECOVERY_STATE)


def sync_id(advertiser_id: str) -> str:
    """``sync-<advertiser>``: one AdvertiserSync per advertiser at a time."""
    return f"sync-{advertiser_id}"


def token_refresh_id(advertiser_id: str) -> str:
    """``token-refresh-<advertiser>``: the one TokenRefresh of an advertiser."""
    return f"token-refresh-{advertiser_id}"


def prior_schedule_id(advertiser_id: str) -> str:
    """``fit-priors-<advertiser>``: the daily schedule of an advertiser's PriorFit."""
    return f"fit-priors-{advertiser_id}"


def optimize_schedule_id(advertiser_id: str) -> str:
    """``optimize-<advertiser>``: the schedule of an advertiser's OptimizationCycle; its runs
    are ``optimize-<advertiser>-<scheduled time>`` (Temporal appends the time)."""
    return f"optimize-{advertiser_id}"


def daily_report_schedule_id(advertiser_id: str) -> str:
    """``daily-report-<advertiser>``: the schedule of an advertiser's DailyReport."""
    return f"daily-report-{advertiser_id}"


def rollback_id(workflow_id: str) -> str:
    """``rollback-<workflow id>``: one rollback of a run at a time; a second attaches to it."""
    return f"rollback-{workflow_id}"


def launch_id(campaign_name: str, unique: str) -> str:
    """``launch-<slug of the campaign name>-<unique>``: readable in the UI, unique per start."""
    slug = re.sub(r"[^a-z0-9]+", "-", campaign_name.lower()).strip("-")[:40] or "launch"
    return f"launch-{slug}-{unique}"


def _advertiser_id(value: str) -> str:
    if not value.isdigit() or len(value) > 32:
        raise ValueError("must be a TikTok advertiser id: digits only, e.g. 7000000000000000001")
    return value


AdvertiserId = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_advertiser_id)]


def describe_validation_error(exc: ValidationError) -> list[str]:
    """One ``field: reason`` line per problem, in words an operator can act on."""
    lines = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(input)"
        lines.append(f"{field}: {e['msg']}")
    return lines


M = TypeVar("M", bound=BaseModel)


def validated_input(model: type[M], inp: M | dict[str, Any], *, source: str | None = None) -> M:
    """``inp`` as ``model``, or a non-retryable ``InvalidInput`` naming every field and reason.

    Workflows declare ``inp: Model | dict[str, Any]``: valid JSON decodes to the model;
    anything else arrives as a dict and fails the workflow here, instead of failing the
    workflow task forever on a decoding error.
    """
    if isinstance(inp, model):
        return inp
    try:
        return model.model_validate(inp)
    except ValidationError as exc:
        problems = describe_validation_error(exc)
        where = f" from {source}" if source else ""
        raise InvalidInput(f"invalid {model.__name__}{where}: " + "; ".join(problems), problems) from None


class WorkflowInput(BaseModel):
    """Base for workflow inputs: unknown fields are refused so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def summary(self) -> str:
        """One line for the Temporal UI's summary of a run started with this input."""
        return type(self).__name__.removesuffix("Input")


class AdvertiserSyncInput(WorkflowInput):
    """Input of ``AdvertiserSync``: ``{"advertiser_id": "7000000000000000001"}``."""

    advertiser_id: AdvertiserId = Field(description="TikTok advertiser id (digits only)")

    def summary(self) -> str:
        return f"Mirror advertiser {self.advertiser_id} (campaigns, ad groups, ads, creatives)"


class SyncCounts(BaseModel):
    """How many objects of one kind a sync step read from TikTok and wrote to the mirror."""

    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(
            fetched=self.fetched + other.fetched,
            inserted=self.inserted + other.inserted,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
        )


class AdvertiserSyncResult(BaseModel):
    advertiser_id: str
    advertiser_name: str | None = None
    campaigns: SyncCounts
    adgroups: SyncCounts
    ads: SyncCounts
    videos: SyncCounts
    images: SyncCounts
    finished_at: datetime


class AdvertiserSyncStatus(BaseModel):
    """What the ``status`` query of ``AdvertiserSync`` answers."""

    advertiser_id: str
    step: str
    done_steps: list[str] = Field(default_factory=list)
    counts: dict[str, SyncCounts] = Field(default_factory=dict)


class TokenRefreshInput(WorkflowInput):
    """Input of ``TokenRefresh``: one long-running workflow per advertiser."""

    advertiser_id: AdvertiserId = Field(description="TikTok advertiser id (digits only)")

    def summary(self) -> str:
        return f"Keep the TikTok token of advertiser {self.advertiser_id} alive"


class TokenState(BaseModel):
    """What the store knows of an advertiser's token (never the token itself)."""

    advertiser_id: str
    version: int
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    has_refresh_token: bool = False

    @property
    def long_term(self) -> bool:
        return self.access_expires_at is None


class TokenRefreshStatus(BaseModel):
    """What the ``status`` query of ``TokenRefresh`` answers."""

    advertiser_id: str
    phase: str
    next_action_at: datetime | None = None
    token: TokenState | None = None
