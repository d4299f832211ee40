"""creative pool: where an ingested creative came from, its facts and quality score

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("creative_pool") as batch:
        batch.add_column(sa.Column("source", sa.String(), nullable=True))
        batch.add_column(sa.Column("score", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("creative_pool") as batch:
        batch.drop_column("facts")
        batch.drop_column("score")
        batch.drop_column("source")
