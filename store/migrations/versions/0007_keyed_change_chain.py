"""keyed change-log chain: per-advertiser sequence, hash algorithm, chain head

Existing rows keep their plain SHA-256 hashes (hash_alg "sha256") and get their place in
the chain; new rows are HMAC-SHA256 with a key that is never stored in the database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "hash_alg",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="sha256",
            )
        )
    op.create_table(
        "change_chain",
        sa.Column("advertiser_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("advertiser_id"),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, advertiser_id, row_hash FROM change_log ORDER BY id")).fetchall()
    heads: dict[str, tuple[int, str]] = {}
    for row_id, advertiser_id, row_hash in rows:
        seq = heads.get(advertiser_id, (0, ""))[0] + 1
        conn.execute(sa.text("UPDATE change_log SET seq = :s WHERE id = :i"), {"s": seq, "i": row_id})
        heads[advertiser_id] = (seq, row_hash)
    for advertiser_id, (seq, head) in heads.items():
        conn.execute(
            sa.text("INSERT INTO change_chain (advertiser_id, seq, head_hash) VALUES (:a, :s, :h)"),
            {"a": advertiser_id, "s": seq, "h": head},
        )
    op.create_index("ix_change_log_chain", "change_log", ["advertiser_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_change_log_chain", table_name="change_log")
    op.drop_table("change_chain")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_column("hash_alg")
        batch_op.drop_column("seq")
