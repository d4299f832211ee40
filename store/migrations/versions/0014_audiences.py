"""audience export: acknowledged progress per run, audiences fed, scheduled sync jobs

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = sa.DateTime(timezone=True)
    op.create_table(
        "audience_progress",
        sa.Column("run_key", text(length=300), nullable=False),
        sa.Column("step", text(length=32), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("value", text(length=512), nullable=False),
        sa.Column("acked_at", when, nullable=False),
        sa.PrimaryKeyConstraint("run_key", "step", "chunk"),
    )
    op.create_table(
        "audience_feed",
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("audience_id", text(length=64), nullable=False),
        sa.Column("name", text(length=128), nullable=False),
        sa.Column("mode", text(length=16), nullable=False),
        sa.Column("id_types", sa.JSON(), nullable=False),
        sa.Column("job_id", text(length=64), nullable=True),
        sa.Column("use_sandbox", sa.Boolean(), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("advertiser_id", "audience_id"),
    )
    op.create_table(
        "audience_job",
        sa.Column("job_id", text(length=64), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("cron", text(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("paused_reason", text(length=512), nullable=True),
        sa.Column("last_status", text(length=32), nullable=True),
        sa.Column("last_run_id", text(length=256), nullable=True),
        sa.Column("last_run_at", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("job_id"),
    )
    op.create_index("ix_audience_job_advertiser_id", "audience_job", ["advertiser_id"])


def downgrade() -> None:
    op.drop_index("ix_audience_job_advertiser_id", table_name="audience_job")
    op.drop_table("audience_job")
    op.drop_table("audience_feed")
    op.drop_table("audience_progress")
