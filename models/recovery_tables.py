"""The store's tables for events and recovery: webhook events (each id once), the creative
pool replacements come from, replacement ads under watch, recoveries with their MTTR,
leads, and alerts.

Registered on ``SQLModel.metadata`` by ``models.tables`` (which imports this module), so
Alembic and the store see them with the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.tables import _ts


def _when() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class WebhookEventRow(SQLModel, table=True):
    """A webhook event as received: the unique ``event_id`` makes a replay a no-op. Lead
    fields are not kept here (see ``LeadRow``). The receiver acknowledges once the row is
    written; ``handoff_claimed_at`` marks the one process handing it off, ``handed_off_at``
    that the owning workflow has it. An event whose hand-off failed is picked up again by the
    receiver's sweep."""

    __tablename__ = "webhook_event"

    event_id: str = Field(primary_key=True, max_length=128)
    event_type: str = Field(max_length=64)
    advertiser_id: str | None = Field(default=None, max_length=32, index=True)
    ad_id: str | None = Field(default=None, max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    scheme: str = Field(default="", max_length=16, description="which signature scheme it came with")
    workflow_id: str | None = Field(default=None, max_length=256)
    received_at: datetime = _ts()
    handoff_claimed_at: datetime | None = _when()  # a receiver process is handing it off
    handed_off_at: datetime | None = _when()


class PoolCreativeRow(SQLModel, table=True):
    """A creative of the library, with the text and call to action to run it with, from its
    spec check on (``creative_id`` is None until TikTok has it); recovery and launches take
    ``approved`` ones. ``campaign_id`` "" means any campaign of the advertiser."""

    __tablename__ = "creative_pool"
    __table_args__ = (
        UniqueConstraint("advertiser_id", "campaign_id", "creative_id", "ad_text", name="uq_creative_pool"),
    )

    id: int | None = Field(default=None, primary_key=True)
    advertiser_id: str = Field(max_length=32, index=True)
    campaign_id: str = Field(default="", max_length=32)
    kind: str = Field(default="video", max_length=8)
    creative_id: str | None = Field(default=None, max_length=64, description="None until uploaded")
    ad_text: str = Field(max_length=100)
    call_to_action: str = Field(default="LEARN_MORE", max_length=32)
    landing_page_url: str | None = None
    state: str = Field(default="approved", max_length=16)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = ""
    added_by: str = Field(max_length=128)
    added_at: datetime = _ts()
    used_in: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str | None = Field(default=None, description="the file or URL it was ingested from")
    ingest_key: str | None = Field(
        default=None, max_length=200, index=True, description="CreativeIngest's key for the asset"
    )
    score: int | None = Field(default=None, description="CreativeIngest's quality score, 0-100")
    facts: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class ReviewWatchRow(SQLModel, table=True):
    """A replacement ad a recovery waits on: its review events go to that workflow."""

    __tablename__ = "review_watch"

    ad_id: str = Field(primary_key=True, max_length=32)
    workflow_id: str = Field(max_length=256)
    advertiser_id: str = Field(max_length=32)
    created_at: datetime = _ts()


class RecoveryRow(SQLModel, table=True):
    """One rejection recovery: what was rejected and why, what it tried, how it ended, MTTR."""

    __tablename__ = "recovery"
    __table_args__ = (Index("ix_recovery_advertiser", "advertiser_id", "rejected_at"),)

    workflow_id: str = Field(primary_key=True, max_length=256)
    advertiser_id: str = Field(max_length=32)
    ad_id: str = Field(max_length=32)
    reason: str = ""
    category: str = Field(default="", max_length=16)
    state: str = Field(default="", max_length=32)
    tried: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    replacement_ad_id: str | None = Field(default=None, max_length=32)
    rejected_at: datetime = _ts()
    restored_at: datetime | None = _when()
    mttr_seconds: float | None = None
    updated_at: datetime = _ts()


class LeadRow(SQLModel, table=True):
    """A ``lead.create`` event's lead; its form fields encrypted (they are personal data)."""

    __tablename__ = "lead"

    lead_id: str = Field(primary_key=True, max_length=128)
    advertiser_id: str | None = Field(default=None, max_length=32)
    ad_id: str | None = Field(default=None, max_length=32)
    fields_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    received_at: datetime = _ts()
    forwarded_at: datetime | None = _when()
    forward_error: str | None = None


class AlertRow(SQLModel, table=True):
    """An alert raised by a workflow, a detector or the receiver, and where it went."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_dedupe", "dedupe_key", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    level: str = Field(max_length=8)
    kind: str = Field(max_length=64)
    advertiser_id: str | None = Field(default=None, max_length=32)
    workflow_id: str | None = Field(default=None, max_length=256)
    title: str
    body: str = ""
    dedupe_key: str = Field(max_length=300)
    deliveries: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    held_until: datetime | None = _when()
    created_at: datetime = _ts()
