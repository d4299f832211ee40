"""What the dashboard shows, read from the store: which advertisers a user may see, and one
advertiser's numbers, changes, cycles, recoveries, alerts and experiments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.recovery_tables import AlertRow, RecoveryRow
from models.tables import AdvertiserRow, ChangeLogRow, CycleRunRow, ExperimentRow, MembershipRow
from models.warehouse_tables import DailyStatRow
from reporting.creative_metrics import CreativeMetrics, creative_metrics
from store import reports, warehouse

LIST_LIMIT = 50


@dataclass
class Day:
    day: date
    spend: float
    impressions: float
    clicks: float
    conversions: float


@dataclass
class Overview:
    advertiser_id: str
    name: str
    first: date
    last: date
    days: list[Day]
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    creatives: list[CreativeMetrics] = field(default_factory=list)
    changes: list[ChangeLogRow] = field(default_factory=list)
    cycles: list[CycleRunRow] = field(default_factory=list)
    recoveries: list[RecoveryRow] = field(default_factory=list)
    alerts: list[AlertRow] = field(default_factory=list)
    experiments: list[ExperimentRow] = field(default_factory=list)

    def total(self, name: str) -> float:
        return float(sum(getattr(d, name) for d in self.days))


async def visible_advertisers(session: AsyncSession, user_id: str) -> list[AdvertiserRow]:
    """The advertisers of the tenants ``user_id`` has any role in."""
    tenants = [m.tenant_id for m in (await session.execute(
        select(MembershipRow).where(col(MembershipRow.user_id) == user_id))).scalars().all()]  # fmt: skip
    if not tenants:
        return []
    query = select(AdvertiserRow).where(col(AdvertiserRow.tenant_id).in_(tenants))
    return list((await session.execute(query.order_by(col(AdvertiserRow.advertiser_id)))).scalars().all())


async def window(session: AsyncSession, advertiser_id: str, days: int) -> tuple[date, date, bool]:
    """The ``days`` ending on the newest stored day, and whether the daily report's rows exist
    (else the optimization cycle's pulls are what there is)."""
    last = await warehouse.latest_day(session, advertiser_id)
    warehoused = last is not None
    last = last or await reports.latest_day(session, advertiser_id) or date.today()
    return last - timedelta(days=days - 1), last, warehoused


async def overview(session: AsyncSession, advertiser: AdvertiserRow, days: int = 14) -> Overview:
    adv = advertiser.advertiser_id
    first, last, warehoused = await window(session, adv, days)
    rows = await warehouse.rows_between(session, adv, first, last) if warehoused else []
    if warehoused:
        per_day: dict[date, Day] = {}
        for r in rows:
            if r.level != "campaign":
                continue
            d = per_day.setdefault(date.fromisoformat(r.day), Day(date.fromisoformat(r.day), 0, 0, 0, 0))
            d.spend += r.spend
            d.impressions += r.impressions
            d.clicks += r.clicks
            d.conversions += r.conversions
        series = sorted(per_day.values(), key=lambda d: d.day)
    else:  # no daily report yet: the optimization cycle's pulls (spend and conversions)
        series = [
            Day(day, spend, 0, 0, conv)
            for day, spend, conv in await reports.daily_totals(session, adv, first, last)
        ]
    out = Overview(adv, advertiser.name or adv, first, last, series)
    out.campaigns = _campaigns([r for r in rows if r.level == "campaign"])
    out.creatives = creative_metrics([r for r in rows if r.level == "ad"])
    out.changes = await _newest(session, ChangeLogRow, adv, ChangeLogRow.created_at)
    out.cycles = await _newest(session, CycleRunRow, adv, CycleRunRow.as_of)
    out.recoveries = await _newest(session, RecoveryRow, adv, RecoveryRow.rejected_at)
    out.alerts = await _newest(session, AlertRow, adv, AlertRow.created_at)
    out.experiments = list((await session.execute(
        select(ExperimentRow).where(col(ExperimentRow.advertiser_id) == adv))).scalars().all())  # fmt: skip
    return out


def _campaigns(rows: list[DailyStatRow]) -> list[dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        zero = {"spend": 0.0, "impressions": 0.0, "clicks": 0.0, "conversions": 0.0}
        line = table.setdefault(r.object_id, {"campaign_id": r.object_id, "name": r.name, **zero})
        for key in ("spend", "impressions", "clicks", "conversions"):
            line[key] += getattr(r, key)
    for line in table.values():
        line["cpa"] = line["spend"] / line["conversions"] if line["conversions"] else None
    return sorted(table.values(), key=lambda line: -line["spend"])


async def _newest(session: AsyncSession, table: Any, adv: str, when: Any) -> list[Any]:
    query = select(table).where(table.advertiser_id == adv).order_by(col(when).desc()).limit(LIST_LIMIT)
    return list((await session.execute(query)).scalars().all())
