"""The store's tables (sqlmodel): advertisers, encrypted tokens, the mirror of TikTok
objects, and the change log.

Timestamps are timezone-aware UTC. JSON columns use SQLAlchemy's portable ``JSON`` type so
that the same Alembic migrations run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(nullable: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class AdvertiserRow(SQLModel, table=True):
    __tablename__ = "advertiser"

    advertiser_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str | None = Field(default=None, index=True, max_length=64)
    monthly_budget: float | None = None
    name: str | None = None
    currency: str | None = Field(default=None, max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=64)
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    synced_at: datetime = _ts()
    # Set when TikTok says the advertiser removed the app's access (``authorization.removed``).
    disconnected_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class OAuthTokenRow(SQLModel, table=True):
    """One advertiser's tokens, Fernet-encrypted. Plain tokens never touch the database."""

    __tablename__ = "oauth_token"

    advertiser_id: str = Field(primary_key=True, max_length=32)
    app_id: str = Field(max_length=64)
    access_token_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    refresh_token_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    access_expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    refresh_expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    scope: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = 1
    # A refresh in progress holds this lease so that no two processes spend one refresh token.
    refresh_lease_owner: str | None = Field(default=None, max_length=128)
    refresh_lease_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    updated_at: datetime = _ts()


class CampaignRow(SQLModel, table=True):
    __tablename__ = "campaign"

    campaign_id: str = Field(primary_key=True, max_length=32)
    advertiser_id: str = Field(index=True, max_length=32)
    name: str
    objective_type: str | None = None
    budget_mode: str | None = None
    budget: float | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    synced_at: datetime = _ts()


class AdGroupRow(SQLModel, table=True):
    __tablename__ = "adgroup"

    adgroup_id: str = Field(primary_key=True, max_length=32)
    campaign_id: str = Field(index=True, max_length=32)
    advertiser_id: str = Field(index=True, max_length=32)
    name: str
    budget_mode: str | None = None
    budget: float | None = None
    bid_type: str | None = None
    conversion_bid_price: float | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    synced_at: datetime = _ts()


class AdRow(SQLModel, table=True):
    __tablename__ = "ad"

    ad_id: str = Field(primary_key=True, max_length=32)
    adgroup_id: str = Field(index=True, max_length=32)
    campaign_id: str = Field(max_length=32)
    advertiser_id: str = Field(index=True, max_length=32)
    name: str
    video_id: str | None = None
    image_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    operation_status: str | None = None
    secondary_status: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    synced_at: datetime = _ts()


class CreativeRow(SQLModel, table=True):
    """An uploaded video or image (TikTok's ``video_id`` / ``image_id``)."""

    __tablename__ = "creative"

    creative_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=8)  # "video" | "image"
    advertiser_id: str = Field(index=True, max_length=32)
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    size: int | None = None
    format: str | None = None
    signature: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    synced_at: datetime = _ts()


class ChangeLogRow(SQLModel, table=True):
    """One change this service made on TikTok: what, before, after, why, who, and which run.

    A projection of Temporal history for fast queries; history stays the source.
    """

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_entity", "entity_type", "entity_id"),
        Index("ix_change_log_advertiser_time", "advertiser_id", "created_at"),
        Index("uq_change_log_idempotency", "idempotency_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    advertiser_id: str = Field(max_length=32)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str
    actor: str = Field(max_length=128)
    idempotency_key: str = Field(max_length=256)
    workflow_id: str | None = Field(default=None, max_length=256)
    run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _ts()
    # Tamper evidence (section 15): each row's keyed hash (HMAC-SHA256) covers its content,
    # its place ``seq`` and the previous row's hash in the same advertiser's chain. Rows
    # written before migration 0007 carry a plain SHA-256 (``hash_alg`` "sha256").
    seq: int = Field(default=0)
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str = Field(default="", max_length=64)
    hash_alg: str = Field(default="hmac-sha256", max_length=16)


class ChangeChainRow(SQLModel, table=True):
    """The head of one advertiser's change-log chain: how many rows, the last hash. Appends
    lock this row first, so they are serialised on every backend."""

    __tablename__ = "change_chain"

    advertiser_id: str = Field(primary_key=True, max_length=32)
    seq: int = 0
    head_hash: str | None = Field(default=None, max_length=64)


class TenantRow(SQLModel, table=True):
    """A customer (FR-8 multi-account isolation): users see only their tenants' advertisers."""

    __tablename__ = "tenant"

    tenant_id: str = Field(primary_key=True, max_length=64)
    name: str


class UserRow(SQLModel, table=True):
    __tablename__ = "app_user"

    user_id: str = Field(primary_key=True, max_length=128)
    display_name: str | None = None
    email: str | None = None


class MembershipRow(SQLModel, table=True):
    """A user's role in a tenant (section 15): Viewer, Operator, Approver or Admin."""

    __tablename__ = "membership"

    user_id: str = Field(primary_key=True, max_length=128)
    tenant_id: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16)


class NotificationRow(SQLModel, table=True):
    """A message for people (approval requests, reminders); the alerts issue delivers them."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    advertiser_id: str | None = Field(default=None, max_length=32)
    workflow_id: str | None = Field(default=None, max_length=256)
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str
    body: str
    dedupe_key: str = Field(max_length=300, unique=True)
    created_at: datetime = _ts()


class LaunchTemplateRow(SQLModel, table=True):
    """A saved launch (FR-2): objective/KPI, budget, period, regions, dayparting, ages,
    placements, bid strategy; any part of a CampaignLaunch input but the advertiser."""

    __tablename__ = "launch_template"

    name: str = Field(primary_key=True, max_length=128)
    tenant_id: str | None = Field(default=None, max_length=64)
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    description: str | None = None
    updated_by: str | None = Field(default=None, max_length=128)
    updated_at: datetime = _ts()


class CreationClaimRow(SQLModel, table=True):
    """A create this service is about to make, under its idempotency key: the id TikTok gave
    (once known) and the ids of same-named objects that existed before the first attempt,
    so that create-or-get never adopts someone else's object (connector/entities.py)."""

    __tablename__ = "creation_claim"

    key: str = Field(primary_key=True, max_length=256)
    advertiser_id: str = Field(index=True, max_length=32)
    entity_type: str = Field(max_length=16)
    name: str
    foreign_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    entity_id: str | None = Field(default=None, max_length=64)
    claimed_at: datetime = _ts()


class ReportStatRow(SQLModel, table=True):
    """One report row as pulled from TikTok: an object's numbers for one day or one hour.

    ``level`` is ``ad``, ``adgroup`` or ``advertiser``; ``grain`` is ``day`` or ``hour``;
    ``stat_time`` is TikTok's bucket (``YYYY-MM-DD HH:MM:SS``, the advertiser's time zone).
    Pulling the same window again overwrites the rows: a late pull corrects an early one.
    """

    __tablename__ = "report_stat"
    __table_args__ = (Index("ix_report_stat_advertiser", "advertiser_id", "level", "grain", "stat_time"),)

    level: str = Field(primary_key=True, max_length=16)
    object_id: str = Field(primary_key=True, max_length=32)
    grain: str = Field(primary_key=True, max_length=8)
    stat_time: str = Field(primary_key=True, max_length=19)
    advertiser_id: str = Field(max_length=32)
    spend: float = 0.0
    impressions: float = 0.0
    clicks: float = 0.0
    conversions: float = 0.0
    pulled_at: datetime = _ts()


class ExperimentRow(SQLModel, table=True):
    """An experiment (FR-4) as registered, and how it ended: ``status`` is ``running`` until
    a cycle (or an operator) ends it; ``result`` is the last look (``ExperimentReport``)."""

    __tablename__ = "experiment"
    __table_args__ = (Index("ix_experiment_advertiser", "advertiser_id", "status"),)

    experiment_id: str = Field(primary_key=True, max_length=128)
    advertiser_id: str = Field(max_length=32)
    name: str = Field(max_length=128)
    kind: str = Field(max_length=8)
    policy: str = Field(max_length=16)
    entity_type: str = Field(max_length=8)
    arms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    baseline_cpa: float
    mde: float
    power: float
    alpha: float
    planned_conversions: int
    planned_days: float
    start_day: str = Field(max_length=10, description="TikTok's date the experiment's numbers start from")
    status: str = Field(default="running", max_length=16)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: str = Field(max_length=128)
    created_at: datetime = _ts()
    ended_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    ended_by: str | None = Field(
        default=None, max_length=256, description="the cycle (workflow id) or person"
    )


class PriorFitRow(SQLModel, table=True):
    """The latest hierarchical fit of an advertiser (``PriorFit``): Gamma (shape, rate) of
    conversions per unit of spend for a new ad group of each campaign, and of the account."""

    __tablename__ = "prior_fit"

    advertiser_id: str = Field(primary_key=True, max_length=32)
    through_day: str = Field(default="", max_length=10, description="the last report day it learnt from")
    campaigns: dict[str, list[float]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    advertiser: list[float] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    groups: int = 0
    summary: str = ""
    seconds: float = 0.0
    fitted_at: datetime = _ts()


class CycleRunRow(SQLModel, table=True):
    """One optimization cycle's decision point, for the report chart: when its window ended
    in TikTok's time (the report rows' clock), how many moves it applied and gated, its notes."""

    __tablename__ = "cycle_run"
    __table_args__ = (Index("ix_cycle_run_advertiser", "advertiser_id", "as_of"),)

    workflow_id: str = Field(primary_key=True, max_length=256)
    advertiser_id: str = Field(default="", max_length=32)
    as_of: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(), nullable=False))
    applied: int = 0
    gated: int = 0
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_at: datetime = _ts()


MIRROR_TABLES: tuple[type[SQLModel], ...] = (CampaignRow, AdGroupRow, AdRow, CreativeRow)

# The event and recovery tables live in their own module; importing it registers them.
import models.audience_tables  # noqa: E402
import models.identity_tables  # noqa: E402
import models.recovery_tables  # noqa: E402
import models.warehouse_tables  # noqa: E402, F401
