"""verified approvals: approvers' public keys, Slack users mapped to service users

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = sa.DateTime(timezone=True)
    op.create_table(
        "approval_key",
        sa.Column("key_id", text(length=64), nullable=False),
        sa.Column("user_id", text(length=128), nullable=False),
        sa.Column("public_key", text(length=64), nullable=False),
        sa.Column("service", text(length=32), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("revoked_at", when, nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_index("ix_approval_key_user_id", "approval_key", ["user_id"])
    op.create_table(
        "slack_user",
        sa.Column("slack_user_id", text(length=32), nullable=False),
        sa.Column("user_id", text(length=128), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("slack_user_id"),
    )


def downgrade() -> None:
    op.drop_table("slack_user")
    op.drop_index("ix_approval_key_user_id", table_name="approval_key")
    op.drop_table("approval_key")
