"""Alerts as raised, with where each went; the dedupe window is read from here."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.alerts import Alert
from models.recovery_tables import AlertRow
from models.tables import utcnow


async def recent(session: AsyncSession, dedupe_key: str, window: timedelta) -> AlertRow | None:
    """The alert with this key raised within ``window``, if any."""
    since = utcnow() - window
    stmt = (
        select(AlertRow)
        .where(col(AlertRow.dedupe_key) == dedupe_key, col(AlertRow.created_at) >= since)
        .order_by(col(AlertRow.created_at).desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def add(session: AsyncSession, alert: Alert, held_until: datetime | None = None) -> AlertRow:
    row = AlertRow(
        level=alert.level,
        kind=alert.kind,
        advertiser_id=alert.advertiser_id,
        workflow_id=alert.workflow_id,
        title=alert.title,
        body=alert.body,
        dedupe_key=alert.key(),
        held_until=held_until,
    )
    session.add(row)
    await session.flush()
    return row


async def set_deliveries(session: AsyncSession, alert_id: int, deliveries: dict[str, str]) -> None:
    row = await session.get(AlertRow, alert_id)
    if row is not None:
        row.deliveries = {**row.deliveries, **deliveries}
        session.add(row)
        await session.flush()


async def listing(session: AsyncSession, advertiser_id: str | None = None, limit: int = 50) -> list[AlertRow]:
    stmt = select(AlertRow).order_by(col(AlertRow.created_at).desc()).limit(limit)
    if advertiser_id:
        stmt = stmt.where(col(AlertRow.advertiser_id) == advertiser_id)
    return list((await session.execute(stmt)).scalars().all())


async def claim_due(session: AsyncSession, now: datetime) -> list[AlertRow]:
    """Held alerts whose morning has come, each claimed by one process only (the conditional
    update that clears ``held_until`` succeeds for exactly one caller)."""
    stmt = select(AlertRow).where(col(AlertRow.held_until).is_not(None), col(AlertRow.held_until) <= now)
    claimed = []
    for row in (await session.execute(stmt)).scalars().all():
        done = await session.execute(
            update(AlertRow)
            .where(col(AlertRow.id) == row.id, col(AlertRow.held_until).is_not(None))
            .values(held_until=None)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(row)
    return claimed
