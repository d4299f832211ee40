"""The latest hierarchical prior fit of each advertiser, and the totals a fit learns from."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.tables import AdRow, PriorFitRow, utcnow
from optimizer.priors import FittedPriors, GroupTotals
from store import reports


async def group_totals(
    session: AsyncSession, advertiser_id: str, first: date, last: date
) -> list[GroupTotals]:
    """Each ad group's spend and conversions over the days (its ads' rows)."""
    by = [col(AdRow.adgroup_id), col(AdRow.campaign_id)]
    rows = await reports.ad_sums(session, advertiser_id, first, last, by, through_ads=True)
    return [GroupTotals(str(g), str(c), s, n) for g, c, s, n in rows]


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
