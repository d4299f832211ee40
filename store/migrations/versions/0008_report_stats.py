"""report stats: the rows the optimization cycle pulls (ad, ad group, advertiser; day, hour)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "report_stat",
        sa.Column("level", text(length=16), nullable=False),
        sa.Column("object_id", text(length=32), nullable=False),
        sa.Column("grain", text(length=8), nullable=False),
        sa.Column("stat_time", text(length=19), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("spend", sa.Float(), nullable=False),
        sa.Column("impressions", sa.Float(), nullable=False),
        sa.Column("clicks", sa.Float(), nullable=False),
        sa.Column("conversions", sa.Float(), nullable=False),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("level", "object_id", "grain", "stat_time"),
    )
    op.create_index(
        "ix_report_stat_advertiser", "report_stat", ["advertiser_id", "level", "grain", "stat_time"]
    )


def downgrade() -> None:
    op.drop_index("ix_report_stat_advertiser", table_name="report_stat")
    op.drop_table("report_stat")
