"""The latest hierarchical prior fit of each advertiser, and the totals a fit learns from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tables import AdRow, PriorFitRow, ReportStatRow, utcnow
from optimizer.priors import FittedPriors, GroupTotals


async def group_totals(
    session: AsyncSession, advertiser_id: str, first: date, last: date
) -> list[GroupTotals]:
    """Each ad group's spend and conversions over the days, summed in SQL from its ads' rows."""
    stmt = (
        select(
            AdRow.adgroup_id,
            AdRow.campaign_id,
            func.sum(ReportStatRow.spend),
            func.sum(ReportStatRow.conversions),
        )
        .join(AdRow, col(AdRow.ad_id) == col(ReportStatRow.object_id))
        .where(
            col(ReportStatRow.advertiser_id) == advertiser_id,
            col(ReportStatRow.level) == "ad",
            col(ReportStatRow.grain) == "day",
            col(ReportStatRow.stat_time) >= f"{first:%Y-%m-%d} 00:00:00",
            col(ReportStatRow.stat_time) <= f"{last:%Y-%m-%d} 00:00:00",
        )
        .group_by(col(AdRow.adgroup_id), col(AdRow.campaign_id))
    )
    return [
        GroupTotals(str(g), str(c), float(s or 0), float(n or 0))
        for g, c, s, n in (await session.execute(stmt)).all()
    ]


async def save_fit(
    session: AsyncSession, advertiser_id: str, through: date, fit: FittedPriors, seconds: float
) -> None:
    row = await session.get(PriorFitRow, advertiser_id) or PriorFitRow(advertiser_id=advertiser_id)
    row.through_day = f"{through:%Y-%m-%d}"
    row.campaigns = {c: list(p) for c, p in fit.campaigns.items()}
    row.advertiser = list(fit.advertiser)
    row.groups, row.summary, row.seconds, row.fitted_at = fit.groups, fit.summary, round(seconds, 2), utcnow()
    session.add(row)
    await session.flush()


async def latest(session: AsyncSession, advertiser_id: str) -> PriorFitRow | None:
    return await session.get(PriorFitRow, advertiser_id)
