"""Activities of ``OptimizationCycle``: pull reports into the store, decide the moves.

``pull_reports`` refreshes the mirror (campaigns, ad groups, ads as TikTok has them now)
and stores the report rows the decision needs; only counts and the window go back to the
workflow. ``decide_changes`` reads them back, builds the optimizer's account and runs
``optimizer.plan_cycle`` in a worker thread, so numpy's work never blocks the event loop
that runs workflow tasks and heartbeats.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio import activity

from activities.account import load_account
from activities.context import Dependencies
from activities.interfaces import CycleOperations
from activities.sync import mirror_pages
from connector.reports import ReportRow, integrated_report
from models.optimization import CyclePlan, DecideInput, ReportPull, ReportPullInput
from models.telemetry import REPORT_DATA_LAG
from models.tiktok import Ad, AdGroup, Campaign
from optimizer import plan_cycle
from settings import Settings
from store import cycles, experiments, identity, mirror, reports

METRICS = ("spend", "impressions", "clicks", "conversion")
CYCLE_HOURS = 2
LATE_GRACE = timedelta(minutes=5)
ID_FIELD = {"ad": "ad_id", "adgroup": "adgroup_id", "advertiser": "advertiser_id"}  # per level
TIME_FIELD = {"day": "stat_time_day", "hour": "stat_time_hour"}  # per grain


def report_rows(advertiser_id: str, level: str, grain: str, rows: list[ReportRow]) -> list[dict[str, Any]]:
    """Connector rows as ``report_stat`` rows."""
    id_field, time_field = ID_FIELD[level], TIME_FIELD[grain]
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

    @staticmethod
    def _as_of(inp: ReportPullInput, now: datetime) -> datetime:
        """The window's end in TikTok's time (``now``): given, or the scheduled time moved by the lag."""
        if inp.as_of is not None:
            return inp.as_of.replace(tzinfo=None, minute=0, second=0, microsecond=0)
        if inp.scheduled_at is not None:  # a cycle that starts late looks at the hours it was meant for
            late = datetime.now(UTC) - inp.scheduled_at.astimezone(UTC)
            if late > LATE_GRACE:
                now -= late
        return now.replace(minute=0, second=0, microsecond=0)

    @activity.defn
    async def pull_reports(self, inp: ReportPullInput) -> ReportPull:
        adv = inp.advertiser_id
        now = await self.deps.tiktok_now()
        as_of = self._as_of(inp, now)
        today = as_of.date()
        lag = (now - as_of).total_seconds()  # SLO 4: decide on data < 1 h old
        gauge = activity.metric_meter().create_gauge_float(
            REPORT_DATA_LAG, "Seconds between TikTok's now and the hour a cycle decides up to", "s"
        )
        gauge.set(max(lag, 0.0), {"advertiser_id": adv})
        # the mirror as TikTok has it now, page by page, as AdvertiserSync does it
        campaigns = await mirror_pages(self.deps, adv, "campaign/get/", Campaign, mirror.upsert_campaigns)
        adgroups = await mirror_pages(self.deps, adv, "adgroup/get/", AdGroup, mirror.upsert_adgroups)
        ads_read = await mirror_pages(self.deps, adv, "ad/get/", Ad, mirror.upsert_ads)
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
        rows = await integrated_report(
            self.deps.tiktok,
            adv,
            data_level=f"AUCTION_{level.upper()}",
            dimensions=[ID_FIELD[level], TIME_FIELD[grain]],
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
        pull = inp.pull
        account, approvers = await load_account(
            self.deps.store, pull.advertiser_id, pull.as_of, inp.settings, inp.actor, inp.cycle
        )
        plan = await asyncio.to_thread(plan_cycle, account, inp.settings, inp.seed)
        plan.approvers = approvers
        if any(m.needs_approval for m in plan.moves):  # the keys the gate checks approvals with
            required = (self.deps.settings or Settings()).signed_approvals
            async with self.deps.store.session() as session:
                plan.signing = await identity.signing_for(session, approvers, required)
        if not inp.settings.dry_run:  # a dry run records nothing
            async with self.deps.store.session() as session:
                if inp.cycle:  # where the report chart marks this cycle
                    await cycles.record(session, inp.cycle, pull.as_of, plan)
                await _record_looks(session, plan, inp.cycle or "a cycle")
        return plan


async def _record_looks(session: Any, plan: CyclePlan, cycle: str) -> None:
    """Each experiment's look in the store; an experiment the look ended is ended, once."""
    for r in plan.experiments:
        result = r.model_dump(mode="json")
        if r.verdict == "running":
            await experiments.record_looks(session, [(r.experiment_id, result)])
        else:
            await experiments.conclude(session, r.experiment_id, r.verdict, result, by=cycle)
