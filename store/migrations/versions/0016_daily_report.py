"""daily report: warehouse rows per object and day, and each day's pull state

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = sa.DateTime(timezone=True)
    op.create_table(
        "daily_stat",
        sa.Column("level", text(length=16), nullable=False),
        sa.Column("object_id", text(length=32), nullable=False),
        sa.Column("day", text(length=10), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("campaign_id", text(length=32), nullable=True),
        sa.Column("adgroup_id", text(length=32), nullable=True),
        sa.Column("name", text(length=512), nullable=True),
        *(sa.Column(c, sa.Float(), nullable=False)
          for c in ("spend", "impressions", "clicks", "conversions", "reach", "video_views")),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("pulled_at", when, nullable=False),
        sa.PrimaryKeyConstraint("level", "object_id", "day"),
    )  # fmt: skip
    op.create_index("ix_daily_stat_advertiser_day", "daily_stat", ["advertiser_id", "day"])
    op.create_table(
        "report_day",
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("day", text(length=10), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("pulled_at", when, nullable=False),
        sa.PrimaryKeyConstraint("advertiser_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("report_day")
    op.drop_index("ix_daily_stat_advertiser_day", table_name="daily_stat")
    op.drop_table("daily_stat")
