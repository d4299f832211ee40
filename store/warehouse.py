"""The warehouse tables of ``DailyReport``: a day's rows replaced as a whole, and each day's
pull state (what later runs re-pull until it is final)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tables import utcnow
from models.warehouse_tables import DailyStatRow, ReportDayRow


async def replace_day(
    session: AsyncSession, advertiser_id: str, level: str, day: date, rows: Sequence[DailyStatRow]
) -> None:
    """The advertiser's rows of ``level`` for ``day`` become ``rows`` (an object gone from
    TikTok's answer is gone from the table)."""
    await session.execute(
        delete(DailyStatRow).where(
            col(DailyStatRow.advertiser_id) == advertiser_id,
            col(DailyStatRow.level) == level,
            col(DailyStatRow.day) == day.isoformat(),
        )
    )
    session.add_all(rows)


async def mark_day(session: AsyncSession, advertiser_id: str, day: date, *, final: bool, rows: int) -> None:
    row = await session.get(ReportDayRow, (advertiser_id, day.isoformat()))
    if row is None:
        session.add(ReportDayRow(advertiser_id=advertiser_id, day=day.isoformat(), final=final, rows=rows))
        return
    row.final, row.rows, row.pulled_at = final, rows, utcnow()


async def days_not_final(session: AsyncSession, advertiser_id: str, first: date, last: date) -> list[date]:
    """Days in [first, last] that were never pulled or whose last pull was not final."""
    query = select(ReportDayRow).where(
        col(ReportDayRow.advertiser_id) == advertiser_id,
        col(ReportDayRow.day) >= first.isoformat(),
        col(ReportDayRow.day) <= last.isoformat(),
    )
    final = {r.day for r in (await session.execute(query)).scalars().all() if r.final}
    days = [date.fromordinal(d) for d in range(first.toordinal(), last.toordinal() + 1)]
    return [d for d in days if d.isoformat() not in final]


async def rows_of(session: AsyncSession, advertiser_id: str, day: date, level: str) -> list[DailyStatRow]:
    query = select(DailyStatRow).where(
        col(DailyStatRow.advertiser_id) == advertiser_id,
        col(DailyStatRow.day) == day.isoformat(),
        col(DailyStatRow.level) == level,
    )
    return list((await session.execute(query)).scalars().all())


async def rows_between(
    session: AsyncSession, advertiser_id: str, first: date, last: date, level: str | None = None
) -> list[DailyStatRow]:
    query = select(DailyStatRow).where(
        col(DailyStatRow.advertiser_id) == advertiser_id,
        col(DailyStatRow.day) >= first.isoformat(),
        col(DailyStatRow.day) <= last.isoformat(),
    )
    if level is not None:
        query = query.where(col(DailyStatRow.level) == level)
    query = query.order_by(col(DailyStatRow.day), col(DailyStatRow.level), col(DailyStatRow.object_id))
    return list((await session.execute(query)).scalars().all())


async def latest_day(session: AsyncSession, advertiser_id: str) -> date | None:
    """The newest day the daily report stored for the advertiser (None: none yet)."""
    query = select(DailyStatRow.day).where(col(DailyStatRow.advertiser_id) == advertiser_id)
    newest = (
        await session.execute(query.order_by(col(DailyStatRow.day).desc()).limit(1))
    ).scalar_one_or_none()
    return date.fromisoformat(str(newest)) if newest else None
