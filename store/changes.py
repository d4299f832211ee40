"""The change log: every change this service makes on TikTok, with before, after and why.

Rows are keyed by the idempotency key of the logical operation, so recording the same
change twice (an activity retried after it wrote) keeps one row. Rows are tamper-evident
(spec section 15): each row carries ``row_hash`` = SHA-256 over its content and the
previous row's hash in the same advertiser's chain; :func:`verify_chain` finds edited,
inserted or deleted rows. Temporal history stays the source; this table is a projection.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tables import ChangeLogRow, utcnow
from store.tokens import as_utc


class Change(BaseModel):
    """One change-log row to write: an activity's change plus where and by which run."""

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


def row_hash(prev_hash: str | None, row: ChangeLogRow | Change) -> str:
    """The hash of a row's content chained to ``prev_hash``."""
    created = as_utc(row.created_at)
    content = {
        "prev": prev_hash,
        "advertiser_id": row.advertiser_id,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "before": row.before,
        "after": row.after,
        "reason": row.reason,
        "actor": row.actor,
        "key": row.idempotency_key,
        "workflow_id": row.workflow_id,
        "run_id": row.run_id,
        "at": created.isoformat() if created else None,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


async def _lock_chain(session: AsyncSession, advertiser_id: str) -> None:
    """Serialise appends to one advertiser's chain (PostgreSQL; SQLite serialises writers)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        key = zlib.crc32(f"change_log:{advertiser_id}".encode())
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


async def record_change(session: AsyncSession, change: Change) -> bool:
    """Append ``change`` unless its idempotency key is already recorded; True if written."""
    found = await session.execute(
        select(ChangeLogRow.id).where(col(ChangeLogRow.idempotency_key) == change.idempotency_key)
    )
    if found.first() is not None:
        return False
    await _lock_chain(session, change.advertiser_id)
    last = await session.execute(
        select(ChangeLogRow.row_hash)
        .where(col(ChangeLogRow.advertiser_id) == change.advertiser_id)
        .order_by(col(ChangeLogRow.id).desc())
        .limit(1)
    )
    prev = last.scalar_one_or_none() or None
    session.add(ChangeLogRow(**change.model_dump(), prev_hash=prev, row_hash=row_hash(prev, change)))
    await session.flush()
    return True


async def changes_for(
    session: AsyncSession,
    advertiser_id: str | None = None,
    *,
    workflow_id: str | None = None,
    since: datetime | None = None,
) -> Sequence[ChangeLogRow]:
    stmt = select(ChangeLogRow)
    if advertiser_id is not None:
        stmt = stmt.where(col(ChangeLogRow.advertiser_id) == advertiser_id)
    if workflow_id is not None:
        stmt = stmt.where(col(ChangeLogRow.workflow_id) == workflow_id)
    if since is not None:
        stmt = stmt.where(col(ChangeLogRow.created_at) >= since)
    return (await session.execute(stmt.order_by(col(ChangeLogRow.id)))).scalars().all()


@dataclass
class ChainReport:
    """What :func:`verify_chain` found; ``ok`` when nothing."""

    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_chain(session: AsyncSession, advertiser_id: str | None = None) -> ChainReport:
    """Recompute every chain (one per advertiser) and report rows that do not fit."""
    report = ChainReport()
    previous: dict[str, str | None] = {}
    for row in await changes_for(session, advertiser_id):
        report.rows += 1
        expected_prev = previous.get(row.advertiser_id)
        if row.prev_hash != expected_prev:
            report.problems.append(
                f"row {row.id} ({row.idempotency_key}): the row before it in advertiser "
                f"{row.advertiser_id}'s chain was deleted or changed"
            )
        if row.row_hash != row_hash(row.prev_hash, row):
            report.problems.append(
                f"row {row.id} ({row.idempotency_key}): content was edited after it was written"
            )
        previous[row.advertiser_id] = row.row_hash
    return report
