"""events and recovery: webhook events, creative pool, review watch, recoveries, leads,
alerts; advertiser.disconnected_at

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = sa.DateTime(timezone=True)
    with op.batch_alter_table("advertiser") as batch:
        batch.add_column(sa.Column("disconnected_at", when, nullable=True))
    op.create_table(
        "webhook_event",
        sa.Column("event_id", text(length=128), nullable=False),
        sa.Column("event_type", text(length=64), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=True),
        sa.Column("ad_id", text(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("scheme", text(length=16), nullable=False),
        sa.Column("workflow_id", text(length=256), nullable=True),
        sa.Column("received_at", when, nullable=False),
        sa.Column("handoff_claimed_at", when, nullable=True),
        sa.Column("handed_off_at", when, nullable=True),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_webhook_event_advertiser_id", "webhook_event", ["advertiser_id"])
    op.create_index("ix_webhook_event_pending", "webhook_event", ["handed_off_at", "received_at"])
    op.create_table(
        "creative_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("campaign_id", text(length=32), nullable=False),
        sa.Column("kind", text(length=8), nullable=False),
        sa.Column("creative_id", text(length=64), nullable=False),
        sa.Column("ad_text", text(length=100), nullable=False),
        sa.Column("call_to_action", text(length=32), nullable=False),
        sa.Column("landing_page_url", text(), nullable=True),
        sa.Column("state", text(length=16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("note", text(), nullable=False),
        sa.Column("added_by", text(length=128), nullable=False),
        sa.Column("added_at", when, nullable=False),
        sa.Column("used_in", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "advertiser_id", "campaign_id", "creative_id", "ad_text", name="uq_creative_pool"
        ),
    )
    op.create_index("ix_creative_pool_advertiser_id", "creative_pool", ["advertiser_id"])
    op.create_table(
        "review_watch",
        sa.Column("ad_id", text(length=32), nullable=False),
        sa.Column("workflow_id", text(length=256), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("ad_id"),
    )
    op.create_table(
        "recovery",
        sa.Column("workflow_id", text(length=256), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=False),
        sa.Column("ad_id", text(length=32), nullable=False),
        sa.Column("reason", text(), nullable=False),
        sa.Column("category", text(length=16), nullable=False),
        sa.Column("state", text(length=32), nullable=False),
        sa.Column("tried", sa.JSON(), nullable=False),
        sa.Column("replacement_ad_id", text(length=32), nullable=True),
        sa.Column("rejected_at", when, nullable=False),
        sa.Column("restored_at", when, nullable=True),
        sa.Column("mttr_seconds", sa.Float(), nullable=True),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("workflow_id"),
    )
    op.create_index("ix_recovery_advertiser", "recovery", ["advertiser_id", "rejected_at"])
    op.create_table(
        "lead",
        sa.Column("lead_id", text(length=128), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=True),
        sa.Column("ad_id", text(length=32), nullable=True),
        sa.Column("fields_enc", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", when, nullable=False),
        sa.Column("forwarded_at", when, nullable=True),
        sa.Column("forward_error", text(), nullable=True),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", text(length=8), nullable=False),
        sa.Column("kind", text(length=64), nullable=False),
        sa.Column("advertiser_id", text(length=32), nullable=True),
        sa.Column("workflow_id", text(length=256), nullable=True),
        sa.Column("title", text(), nullable=False),
        sa.Column("body", text(), nullable=False),
        sa.Column("dedupe_key", text(length=300), nullable=False),
        sa.Column("deliveries", sa.JSON(), nullable=False),
        sa.Column("held_until", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_dedupe", "alert", ["dedupe_key", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_dedupe", table_name="alert")
    op.drop_table("alert")
    op.drop_table("lead")
    op.drop_index("ix_recovery_advertiser", table_name="recovery")
    op.drop_table("recovery")
    op.drop_table("review_watch")
    op.drop_index("ix_creative_pool_advertiser_id", table_name="creative_pool")
    op.drop_table("creative_pool")
    op.drop_index("ix_webhook_event_pending", table_name="webhook_event")
    op.drop_index("ix_webhook_event_advertiser_id", table_name="webhook_event")
    op.drop_table("webhook_event")
    with op.batch_alter_table("advertiser") as batch:
        batch.drop_column("disconnected_at")
