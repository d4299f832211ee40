"""The store's tables for verified approvals: approvers' public keys (a service's too), and
which Slack user is which service user. Registered by ``models.tables``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from models.tables import _ts


class ApprovalKeyRow(SQLModel, table=True):
    """An Ed25519 public key that signs approvals: a person's, or a service's (``service``)."""

    __tablename__ = "approval_key"

    key_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=128, index=True)
    public_key: str = Field(max_length=64)
    service: str | None = Field(default=None, max_length=32)
    created_at: datetime = _ts()
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class SlackUserRow(SQLModel, table=True):
    """A Slack user id mapped to the service user whose approvals their button presses are."""

    __tablename__ = "slack_user"

    slack_user_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(max_length=128)
    created_at: datetime = _ts()
