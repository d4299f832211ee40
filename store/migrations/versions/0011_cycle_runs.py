"""cycle runs: each optimization cycle's decision point (TikTok's time), for the report chart

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "cycle_run",
        sa.Column("workflow_id", text(length=256), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("gated", sa.Integer(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id"),
    )
    op.create_index("ix_cycle_run_advertiser", "cycle_run", ["advertiser_id", "as_of"])


def downgrade() -> None:
    op.drop_index("ix_cycle_run_advertiser", table_name="cycle_run")
    op.drop_table("cycle_run")
