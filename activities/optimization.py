"""Activities of ``OptimizationCycle``: pull reports into the store, decide the moves.

``pull_reports`` refreshes the mirror (campaigns, ad groups, ads as TikTok has them now)
and stores the report rows the decision needs; only counts and the window go back to the
workflow. ``decide_changes`` reads them back, builds the optimizer's account and runs
``optimizer.plan_cycle`` in a worker thread, so numpy's work never blocks the event loop
that runs workflow tasks and heartbeats.
"""

from __future__ import annotations

import asyncio
import calendar
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import col, select
from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import CycleOperations
from connector import management
from connector.reports import ReportRow, integrated_report
from models.optimization import CyclePlan, DecideInput, ReportPull, ReportPullInput
from models.tables import AdGroupRow, AdRow, CampaignRow
from optimizer import Account, AdGroupState, AdState, CampaignState, plan_cycle
from store import access, mirror, reports
from store.changes import changes_for

METRICS = ("spend", "impressions", "clicks", "conversion")
CYCLE_HOURS = 2
LATE_GRACE = timedelta(minutes=5)
APPROVER_ROLES = ("Approver", "Admin")


def report_rows(advertiser_id: str, level: str, grain: str, rows: list[ReportRow]) -> list[dict[str, Any]]:
    """Connector rows as ``report_stat`` rows."""
    id_field = {"ad": "ad_id", "adgroup": "adgroup_id", "advertiser": "advertiser_id"}[level]
    time_field = "stat_time_day" if grain == "day" else "stat_time_hour"
    out = []
    for r in rows:
        m = r.metrics
        out.append(
            {
                "level": level,
                "object_id": r.dimensions.get(id_field, advertiser_id),
                "grain": grain,
                "stat_time": r.dimensions[time_field],
                "advertiser_id": advertiser_id,
                "spend": m.get("spend") or 0.0,
                "impressions": m.get("impressions") or 0.0,
                "clicks": m.get("clicks") or 0.0,
                "conversions": m.get("conversion") or 0.0,
            }
        )
    return out


class CycleActivities(CycleOperations):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def _as_of(self, inp: ReportPullInput) -> datetime:
        """The window's end in TikTok's time: given, or the scheduled time moved by the lag."""
        if inp.as_of is not None:
            return inp.as_of.replace(tzinfo=None, minute=0, second=0, microsecond=0)
        now = await self.deps.tiktok_now()
        if inp.scheduled_at is not None:  # a cycle that starts late looks at the hours it was meant for
            late = datetime.now(UTC) - inp.scheduled_at.astimezone(UTC)
            if late > LATE_GRACE:
                now -= late
        return now.replace(minute=0, second=0, microsecond=0)

    @activity.defn
    async def pull_reports(self, inp: ReportPullInput) -> ReportPull:
        tiktok, adv = self.deps.tiktok, inp.advertiser_id
        as_of = await self._as_of(inp)
        today = as_of.date()
        async with self.deps.store.session() as session:  # the mirror as TikTok has it now
            campaigns = await mirror.upsert_campaigns(session, await management.list_campaigns(tiktok, adv))
        async with self.deps.store.session() as session:
            adgroups = await mirror.upsert_adgroups(session, await management.list_adgroups(tiktok, adv))
        async with self.deps.store.session() as session:
            ads_read = await mirror.upsert_ads(session, await management.list_ads(tiktok, adv))
        activity.heartbeat("mirror refreshed")
        first = today - timedelta(days=inp.lookback_days - 1)
        ads = await self._report(adv, "ad", "day", first, today)
        month_start = today.replace(day=1)
        if month_start < today:
            await self._report(adv, "advertiser", "day", month_start, today - timedelta(days=1))
        start = as_of - timedelta(hours=CYCLE_HOURS)
        hourly = await self._report(adv, "adgroup", "hour", start.date(), today)
        return ReportPull(
            advertiser_id=adv,
            as_of=as_of,
            window_start=start,
            ad_rows=ads,
            hourly_rows=hourly,
            campaigns=campaigns.fetched,
            adgroups=adgroups.fetched,
            ads=ads_read.fetched,
        )

    async def _report(self, adv: str, level: str, grain: str, first: date, last: date) -> int:
        id_field = {"ad": "ad_id", "adgroup": "adgroup_id", "advertiser": "advertiser_id"}[level]
        time_field = "stat_time_day" if grain == "day" else "stat_time_hour"
        rows = await integrated_report(
            self.deps.tiktok,
            adv,
            data_level=f"AUCTION_{level.upper()}",
            dimensions=[id_field, time_field],
            metrics=METRICS,
            start=first,
            end=last,
        )
        async with self.deps.store.session() as session:
            saved = await reports.save_rows(session, report_rows(adv, level, grain, rows))
        activity.heartbeat(f"{level} {grain}: {saved} rows")
        return saved

    @activity.defn
    async def decide_changes(self, inp: DecideInput) -> CyclePlan:
        account, approvers = await self._account(inp)
        plan = await asyncio.to_thread(plan_cycle, account, inp.settings, inp.seed)
        plan.approvers = approvers
        return plan

    async def _account(self, inp: DecideInput) -> tuple[Account, list[str]]:
        pull, adv = inp.pull, inp.pull.advertiser_id
        today = pull.as_of.date()
        first = today - timedelta(days=6)
        async with self.deps.store.session() as session:
            campaigns = (await session.execute(_rows(CampaignRow, adv))).scalars().all()
            groups = (await session.execute(_rows(AdGroupRow, adv))).scalars().all()
            ads = (await session.execute(_rows(AdRow, adv))).scalars().all()
            week = await reports.ad_totals(session, adv, first, today)
            recent = await reports.ad_totals(session, adv, today - timedelta(days=1), today)
            earlier = await reports.ad_totals(session, adv, first, today - timedelta(days=2))
            on_day = await reports.ad_totals(session, adv, today, today)
            month = await reports.advertiser_spend(
                session, adv, today.replace(day=1), today - timedelta(days=1)
            )
            monthly = inp.settings.monthly_budget or await access.monthly_budget(session, adv)
            mine = await changes_for(session, adv, since=datetime.now(UTC) - timedelta(days=30))
            approvers = await access.users_with_roles(session, adv, APPROVER_ROLES)
        start_of_day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        latest: dict[str, Any] = {}
        changes_today = 0
        for row in mine:
            latest[row.entity_id] = row
            if row.actor == inp.actor and row.created_at.replace(tzinfo=UTC) >= start_of_day:
                changes_today += 1
        paused_by_us = {
            i
            for i, row in latest.items()
            if row.actor == inp.actor and (row.after or {}).get("operation_status") == "DISABLE"
        }
        by_group: dict[str, list[AdState]] = defaultdict(list)
        for a in ads:
            w, r, e = week.get(a.ad_id, reports.Totals()), recent.get(a.ad_id), earlier.get(a.ad_id)
            by_group[a.adgroup_id].append(
                AdState(
                    a.ad_id,
                    a.adgroup_id,
                    name=a.name,
                    live=a.operation_status == "ENABLE",
                    impressions=w.impressions,
                    clicks=w.clicks,
                    conversions=w.conversions,
                    spend=w.spend,
                    recent_ctr=r.clicks / r.impressions if r and r.impressions else None,
                    earlier_ctr=e.clicks / e.impressions if e and e.impressions else None,
                )
            )
        states = []
        for g in groups:
            mine_ads = by_group.get(g.adgroup_id, [])
            states.append(
                AdGroupState(
                    g.adgroup_id,
                    g.campaign_id,
                    name=g.name,
                    enabled=g.operation_status == "ENABLE",
                    budget=g.budget,
                    budget_mode=g.budget_mode or "",
                    bid_type=g.bid_type,
                    conversion_bid_price=g.conversion_bid_price,
                    spend=sum(a.spend for a in mine_ads),
                    conversions=sum(a.conversions for a in mine_ads),
                    clicks=sum(a.clicks for a in mine_ads),
                    impressions=sum(a.impressions for a in mine_ads),
                    spend_today=sum(on_day[a.ad_id].spend for a in mine_ads if a.ad_id in on_day),
                    days_with_spend=max((week[a.ad_id].days for a in mine_ads if a.ad_id in week), default=0),
                    paused_by_optimizer=g.adgroup_id in paused_by_us,
                    ads=tuple(mine_ads),
                )
            )
        account = Account(
            adv,
            campaigns=tuple(
                CampaignState(
                    c.campaign_id, c.name, c.operation_status == "ENABLE", c.budget_mode or "", c.budget
                )
                for c in campaigns
            ),
            adgroups=tuple(states),
            monthly_budget=monthly,
            month_spend=month,
            day_of_month=today.day,
            days_in_month=calendar.monthrange(today.year, today.month)[1],
            day_elapsed=pull.as_of.hour / 24,
            changes_today=changes_today,
        )
        return account, approvers


def _rows(table: Any, advertiser_id: str) -> Any:
    return select(table).where(col(table.advertiser_id) == advertiser_id).order_by(col(table.name))
