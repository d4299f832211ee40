"""creative pool: an ingest keeps its items from the spec check on (draft, validated), before
TikTok has a creative id for them

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("creative_pool") as batch:
        batch.add_column(sa.Column("ingest_key", sa.String(length=200), nullable=True))
        batch.alter_column("creative_id", existing_type=sa.String(length=64), nullable=True)
        batch.create_index("ix_creative_pool_ingest_key", ["ingest_key"])


def downgrade() -> None:
    op.execute("DELETE FROM creative_pool WHERE creative_id IS NULL")
    with op.batch_alter_table("creative_pool") as batch:
        batch.drop_index("ix_creative_pool_ingest_key")
        batch.alter_column("creative_id", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("ingest_key")
