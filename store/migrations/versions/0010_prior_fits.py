"""prior fits: the hierarchical model's Gamma priors per campaign, latest per advertiser

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "prior_fit",
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("through_day", text(length=10), nullable=False),
        sa.Column("campaigns", sa.JSON(), nullable=False),
        sa.Column("advertiser", sa.JSON(), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.Column("summary", text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("advertiser_id"),
    )


def downgrade() -> None:
    op.drop_table("prior_fit")
