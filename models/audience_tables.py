"""The store's tables for audience export: what each sync run has had acknowledged (so a
resumed run never sends it again), which TikTok audiences the service feeds (so a deletion
request reaches every one), and scheduled sync jobs with their failure streak.

Registered on ``SQLModel.metadata`` by ``models.tables`` (which imports this module).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from models.tables import _ts


class AudienceProgressRow(SQLModel, table=True):
    """One acknowledged piece of a run: an uploaded file (``value`` = TikTok's file path), an
    applied file batch, or a streamed chunk. ``run_key`` is the workflow run's."""

    __tablename__ = "audience_progress"

    run_key: str = Field(primary_key=True, max_length=300)
    step: str = Field(primary_key=True, max_length=32)
    chunk: int = Field(primary_key=True)
    value: str = Field(default="", max_length=512)
    acked_at: datetime = _ts()


class AudienceFeedRow(SQLModel, table=True):
    """A TikTok audience this service writes to, with the identifier types it holds."""

    __tablename__ = "audience_feed"

    advertiser_id: str = Field(primary_key=True, max_length=32)
    audience_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=128)
    mode: str = Field(default="", max_length=16, description="CUSTOMER_FILE or STREAMING")
    id_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    job_id: str | None = Field(default=None, max_length=64)
    use_sandbox: bool = False
    updated_at: datetime = _ts()


class AudienceJobRow(SQLModel, table=True):
    """A scheduled sync job: its parameters (no secrets), cron, and consecutive failures."""

    __tablename__ = "audience_job"

    job_id: str = Field(primary_key=True, max_length=64)
    advertiser_id: str = Field(default="", max_length=32, index=True)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cron: str = Field(default="", max_length=64)
    failures: int = 0
    paused_reason: str | None = Field(default=None, max_length=512)
    last_status: str | None = Field(default=None, max_length=32)
    last_run_id: str | None = Field(default=None, max_length=256)
    last_run_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime = _ts()


class PrivacyRequestRow(SQLModel, table=True):
    """A deletion request, audited without the identifier: ``subject_key`` is a keyed hash
    (HMAC-SHA256 with the change log's key) that matches a repeated request for the same
    person and cannot be reversed without that key."""

    __tablename__ = "privacy_request"

    id: int | None = Field(default=None, primary_key=True)
    subject_key: str = Field(max_length=64, index=True)
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    requested_by: str = Field(default="", max_length=128)
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
