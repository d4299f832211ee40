"""The cycles that decided, as the report chart marks them: one row per cycle that was not
a dry run, written by its decision (``decide_changes``) with the window's end in TikTok's
time (report rows are in TikTok's time too; the change log's timestamps are real time)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.optimization import CyclePlan
from models.tables import CycleRunRow, utcnow


async def record(session: AsyncSession, workflow_id: str, as_of: datetime, plan: CyclePlan) -> None:
    """Write (or, for a retried decision, rewrite) the cycle's row."""
    row = await session.get(CycleRunRow, workflow_id) or CycleRunRow(workflow_id=workflow_id)
    row.advertiser_id, row.as_of = plan.advertiser_id, as_of
    row.applied = sum(1 for m in plan.moves if not m.needs_approval)
    row.gated = sum(1 for m in plan.moves if m.needs_approval)
    row.notes, row.decided_at = plan.notes[:10], utcnow()
    session.add(row)
    await session.flush()


async def runs(session: AsyncSession, advertiser_id: str, first: date, last: date) -> list[CycleRunRow]:
    """The advertiser's cycles with at least one move, from ``first`` to ``last`` (TikTok's days)."""
    stmt = (
        select(CycleRunRow)
        .where(
            col(CycleRunRow.advertiser_id) == advertiser_id,
            col(CycleRunRow.as_of) >= datetime.combine(first, datetime.min.time()),
            col(CycleRunRow.as_of) < datetime.combine(last, datetime.max.time()),
            (col(CycleRunRow.applied) + col(CycleRunRow.gated)) > 0,
        )
        .order_by(col(CycleRunRow.as_of))
    )
    return list((await session.execute(stmt)).scalars().all())


async def last_changing(session: AsyncSession, advertiser_id: str, since: datetime, but: str) -> str | None:
    """The most recent cycle of the advertiser (other than ``but``) that applied a change and
    decided after ``since`` (real time): what an anomaly that followed it rolls back."""
    stmt = (
        select(CycleRunRow.workflow_id)
        .where(
            col(CycleRunRow.advertiser_id) == advertiser_id,
            col(CycleRunRow.applied) > 0,
            col(CycleRunRow.workflow_id) != but,
            col(CycleRunRow.decided_at) >= since,
        )
        .order_by(col(CycleRunRow.decided_at).desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
