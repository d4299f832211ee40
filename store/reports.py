"""Report rows the optimization cycle pulls, and the sums it decides from.

Rows are keyed by (level, object, grain, time bucket), so pulling a window again replaces
its rows (TikTok corrects recent numbers for a while). Sums are computed in SQL, so a big
account's rows never have to sit in one process's memory at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select  # sqlmodel's select takes no column list of any length
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tables import AdRow, ReportStatRow, utcnow
from store.db import upsert_insert

KEY = ("level", "object_id", "grain", "stat_time")
CHUNK = 500


async def save_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or replace report rows (dicts with the table's columns); how many."""
    insert = upsert_insert(session)
    stamp = utcnow()
    stmt = insert(ReportStatRow)
    values = ("advertiser_id", "spend", "impressions", "clicks", "conversions", "pulled_at")
    upsert = stmt.on_conflict_do_update(
        index_elements=list(KEY), set_={c: getattr(stmt.excluded, c) for c in values}
    )
    for i in range(0, len(rows), CHUNK):  # one compiled statement, executed for many rows
        await session.execute(upsert, [{**r, "pulled_at": stamp} for r in rows[i : i + CHUNK]])
    return len(rows)


def _day(d: date) -> str:
    return f"{d:%Y-%m-%d} 00:00:00"


def _ad_rows(advertiser_id: str, first: date, last: date) -> list[Any]:
    """The ad-level daily rows of the advertiser from ``first`` to ``last``."""
    return [
        col(ReportStatRow.advertiser_id) == advertiser_id,
        col(ReportStatRow.level) == "ad",
        col(ReportStatRow.grain) == "day",
        col(ReportStatRow.stat_time) >= _day(first),
        col(ReportStatRow.stat_time) <= _day(last),
    ]


async def ad_days(session: AsyncSession, advertiser_id: str, first: date, last: date) -> list[ReportStatRow]:
    """The ad-level daily rows from ``first`` to ``last`` (what the cycle weighs by age)."""
    stmt = select(ReportStatRow).where(*_ad_rows(advertiser_id, first, last))
    return list((await session.execute(stmt)).scalars().all())


async def ad_sums(
    session: AsyncSession,
    advertiser_id: str,
    first: date,
    last: date,
    by: Sequence[Any],
    *where: Any,
    through_ads: bool = False,
) -> list[tuple[Any, ...]]:
    """``(*by, spend, conversions)`` of the ad-level daily rows from ``first`` to ``last``,
    summed in SQL per value of the ``by`` columns, in their order. ``through_ads`` joins each
    row's ad from the mirror, so that ``by`` and ``where`` may name its ad group or campaign."""
    stmt = sa_select(*by, func.sum(ReportStatRow.spend), func.sum(ReportStatRow.conversions))
    if through_ads:
        stmt = stmt.join(AdRow, col(AdRow.ad_id) == col(ReportStatRow.object_id))
    stmt = stmt.where(*_ad_rows(advertiser_id, first, last), *where).group_by(*by).order_by(*by)
    return [(*keys, float(s or 0), float(c or 0)) for *keys, s, c in (await session.execute(stmt)).all()]


async def advertiser_spend(session: AsyncSession, advertiser_id: str, first: date, last: date) -> float:
    """The advertiser's spend over the days ``first`` to ``last`` (its daily rows)."""
    if last < first:
        return 0.0
    stmt = select(func.sum(ReportStatRow.spend)).where(
        col(ReportStatRow.advertiser_id) == advertiser_id,
        col(ReportStatRow.level) == "advertiser",
        col(ReportStatRow.grain) == "day",
        col(ReportStatRow.stat_time) >= _day(first),
        col(ReportStatRow.stat_time) <= _day(last),
    )
    return float((await session.execute(stmt)).scalar_one() or 0.0)


async def series(
    session: AsyncSession, advertiser_id: str, level: str, grain: str, first: str, last: str
) -> list[ReportStatRow]:
    """Rows of one level and grain between two buckets, oldest first (charts, exports)."""
    stmt = (
        select(ReportStatRow)
        .where(
            col(ReportStatRow.advertiser_id) == advertiser_id,
            col(ReportStatRow.level) == level,
            col(ReportStatRow.grain) == grain,
            col(ReportStatRow.stat_time) >= first,
            col(ReportStatRow.stat_time) <= last,
        )
        .order_by(col(ReportStatRow.stat_time), col(ReportStatRow.object_id))
    )
    return list((await session.execute(stmt)).scalars().all())


async def daily_totals(
    session: AsyncSession, advertiser_id: str, first: date, last: date
) -> list[tuple[date, float, float]]:
    """(day, spend, conversions) of the advertiser's ads per day."""
    rows = await ad_sums(session, advertiser_id, first, last, [col(ReportStatRow.stat_time)])
    return [(date.fromisoformat(str(t)[:10]), s, c) for t, s, c in rows]


async def latest_day(session: AsyncSession, advertiser_id: str) -> date | None:
    """The newest day of ad rows pulled for the advertiser (None: nothing pulled yet)."""
    stmt = select(func.max(ReportStatRow.stat_time)).where(
        col(ReportStatRow.advertiser_id) == advertiser_id, col(ReportStatRow.level) == "ad"
    )
    newest = (await session.execute(stmt)).scalar_one_or_none()
    return date.fromisoformat(str(newest)[:10]) if newest else None
