"""Experiments in the store: registered by an operator, read by every cycle of their
advertiser, ended once (by a cycle's verdict or an operator's stop)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.errors import InvalidInput
from models.tables import AdGroupRow, AdRow, ExperimentRow, utcnow
from store import reports

ENDED = ("winner", "no_winner", "safety_stop", "stopped")


async def register(session: AsyncSession, row: ExperimentRow) -> ExperimentRow:
    """Save a new experiment after checking its arms: they exist in the mirror for this
    advertiser (ads of ad groups or ad groups), and none is an arm of a running experiment."""
    if await session.get(ExperimentRow, row.experiment_id) is not None:
        raise InvalidInput(f"name: an experiment {row.name!r} already exists for {row.advertiser_id}")
    table: Any = AdGroupRow if row.entity_type == "adgroup" else AdRow
    key = col(table.adgroup_id if row.entity_type == "adgroup" else table.ad_id)
    found = set(
        (
            await session.execute(
                select(key).where(key.in_(row.arms), col(table.advertiser_id) == row.advertiser_id)
            )
        )
        .scalars()
        .all()
    )
    missing = [a for a in row.arms if a not in found]
    if missing:
        raise InvalidInput(
            f"arms: {', '.join(missing)} not found among the {row.entity_type}s of advertiser "
            f"{row.advertiser_id} (sync the advertiser first?)"
        )
    for other in await running(session, row.advertiser_id):
        shared = set(other.arms) & set(row.arms)
        if shared:
            raise InvalidInput(
                f"arms: {', '.join(sorted(shared))} already in running experiment {other.name!r}"
            )
    session.add(row)
    await session.flush()
    return row


async def arms_budget(session: AsyncSession, entity_type: str, arms: Sequence[str]) -> float:
    """The arms' daily budget together (ads: their ad groups'), to turn spend into days."""
    groups = list(arms)
    if entity_type == "ad":
        found = await session.execute(select(AdRow.adgroup_id).where(col(AdRow.ad_id).in_(arms)))
        groups = sorted(set(found.scalars().all()))
    rows = await session.execute(select(AdGroupRow.budget).where(col(AdGroupRow.adgroup_id).in_(groups)))
    return float(sum(b or 0 for b in rows.scalars().all()))


async def running(session: AsyncSession, advertiser_id: str, cycle: str | None = None) -> list[ExperimentRow]:
    """The advertiser's running experiments, and those ``cycle`` itself ended (so that a
    retried decision sees what its first attempt saw)."""
    state = col(ExperimentRow.status) == "running"
    if cycle:
        state = state | (col(ExperimentRow.ended_by) == cycle)
    stmt = select(ExperimentRow).where(col(ExperimentRow.advertiser_id) == advertiser_id, state)
    return list((await session.execute(stmt.order_by(col(ExperimentRow.created_at)))).scalars().all())


async def listed(session: AsyncSession, advertiser_id: str | None = None) -> list[ExperimentRow]:
    stmt = select(ExperimentRow)
    if advertiser_id:
        stmt = stmt.where(col(ExperimentRow.advertiser_id) == advertiser_id)
    return list((await session.execute(stmt.order_by(col(ExperimentRow.created_at)))).scalars().all())


async def arm_totals(session: AsyncSession, row: ExperimentRow, last: date) -> dict[str, tuple[float, float]]:
    """Each arm's (spend, conversions) from the experiment's first day to ``last`` (an ad
    group arm sums its ads)."""
    arm = col(AdRow.adgroup_id) if row.entity_type == "adgroup" else col(AdRow.ad_id)
    first = date.fromisoformat(row.start_day)
    rows = await reports.ad_sums(
        session, row.advertiser_id, first, last, [arm], arm.in_(row.arms), through_ads=True
    )
    sums = {str(a): (s, c) for a, s, c in rows}
    return {a: sums.get(a, (0.0, 0.0)) for a in row.arms}


async def conclude(
    session: AsyncSession, experiment_id: str, status: str, result: dict[str, Any] | None, by: str
) -> bool:
    """End a running experiment with ``status``; False (and nothing changed) if it had ended."""
    row = await session.get(ExperimentRow, experiment_id)
    if row is None or row.status != "running":
        return False
    row.status, row.result, row.ended_at, row.ended_by = status, result, utcnow(), by
    session.add(row)
    await session.flush()
    return True


async def record_looks(session: AsyncSession, looks: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Keep each running experiment's latest look (``ExperimentReport`` as JSON)."""
    for experiment_id, result in looks:
        row = await session.get(ExperimentRow, experiment_id)
        if row is not None and row.status == "running":
            row.result = result
            session.add(row)
    await session.flush()
