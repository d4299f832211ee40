"""Warehouse tables written by ``DailyReport``: one row per object and day with TikTok's
numbers (core columns a BI tool can read as they are, and every metric pulled in ``metrics``),
and one row per advertiser and day saying when it was pulled and whether it was final.

Registered on ``SQLModel.metadata`` by ``models.tables`` (which imports this module).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from models.tables import _ts


class DailyStatRow(SQLModel, table=True):
    """An object's numbers for one day (the advertiser's time zone), as TikTok reported them."""

    __tablename__ = "daily_stat"
    __table_args__ = (Index("ix_daily_stat_advertiser_day", "advertiser_id", "day"),)

    level: str = Field(primary_key=True, max_length=16)
    object_id: str = Field(primary_key=True, max_length=32)
    day: str = Field(primary_key=True, max_length=10)
    advertiser_id: str = Field(max_length=32)
    campaign_id: str | None = Field(default=None, max_length=32)
    adgroup_id: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=512)
    spend: float = 0.0
    impressions: float = 0.0
    clicks: float = 0.0
    conversions: float = 0.0
    reach: float = 0.0
    video_views: float = 0.0
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    final: bool = False
    pulled_at: datetime = _ts()


class ReportDayRow(SQLModel, table=True):
    """When an advertiser's day was last pulled, and whether that pull was final."""

    __tablename__ = "report_day"

    advertiser_id: str = Field(primary_key=True, max_length=32)
    day: str = Field(primary_key=True, max_length=10)
    final: bool = False
    rows: int = 0
    pulled_at: datetime = _ts()
