"""The change log: every change this service makes on TikTok, with before, after and why.

Rows are keyed by the idempotency key of the logical operation, so recording the same
change twice (an activity retried after it wrote) keeps one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tables import ChangeLogRow, utcnow


class Change(BaseModel):
    """What a mutating activity returns and the change log records."""

    advertiser_id: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    actor: str
    idempotency_key: str
    workflow_id: str | None = None
    run_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


async def record_change(session: AsyncSession, change: Change) -> bool:
    """Append ``change`` unless its idempotency key is already recorded; True if written."""
    found = await session.execute(
        select(ChangeLogRow.id).where(col(ChangeLogRow.idempotency_key) == change.idempotency_key)
    )
    if found.first() is not None:
        return False
    session.add(ChangeLogRow(**change.model_dump()))
    await session.flush()
    return True


async def changes_for(
    session: AsyncSession, advertiser_id: str, *, since: datetime | None = None
) -> Sequence[ChangeLogRow]:
    stmt = select(ChangeLogRow).where(col(ChangeLogRow.advertiser_id) == advertiser_id)
    if since is not None:
        stmt = stmt.where(col(ChangeLogRow.created_at) >= since)
    return (await session.execute(stmt.order_by(col(ChangeLogRow.id)))).scalars().all()
