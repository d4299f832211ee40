"""experiments: A/B tests and bandits registered on ad groups or ads (FR-4)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "experiment",
        sa.Column("experiment_id", text(length=128), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("name", text(length=128), nullable=False),
        sa.Column("kind", text(length=8), nullable=False),
        sa.Column("policy", text(length=16), nullable=False),
        sa.Column("entity_type", text(length=8), nullable=False),
        sa.Column("arms", sa.JSON(), nullable=False),
        sa.Column("baseline_cpa", sa.Float(), nullable=False),
        sa.Column("mde", sa.Float(), nullable=False),
        sa.Column("power", sa.Float(), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("planned_conversions", sa.Integer(), nullable=False),
        sa.Column("planned_days", sa.Float(), nullable=False),
        sa.Column("start_day", text(length=10), nullable=False),
        sa.Column("status", text(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_by", text(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", text(length=256), nullable=True),
        sa.PrimaryKeyConstraint("experiment_id"),
    )
    op.create_index("ix_experiment_advertiser", "experiment", ["advertiser_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_experiment_advertiser", table_name="experiment")
    op.drop_table("experiment")
