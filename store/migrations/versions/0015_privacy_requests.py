"""privacy: deletion requests, audited by a keyed hash of the person

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "privacy_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_key", text(length=64), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("requested_by", text(length=128), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_privacy_request_subject_key", "privacy_request", ["subject_key"])


def downgrade() -> None:
    op.drop_index("ix_privacy_request_subject_key", table_name="privacy_request")
    op.drop_table("privacy_request")
