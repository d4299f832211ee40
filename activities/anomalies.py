"""``detect_anomalies``: the cycle's numbers (already in the store) through the detectors of
``optimizer.anomalies``; each finding becomes an alert, and a critical spend spike an ad
group to pause when the advertiser's cycle settings say so."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import AnomalyOperations
from activities.workflow_health import workflow_problems
from alerts.dispatch import send
from models.alerts import Alert, AnomalyReport, DetectInput
from models.tables import AdGroupRow, AdRow
from optimizer.anomalies import GroupNumbers, detect
from settings import Settings
from store import cycles, reports

LOOKBACK_DAYS = 7
RECENT_HOURS = 2
ROLLBACK_WITHIN = timedelta(hours=24)
NOT_ACTIVE = ("DISABLE", "DELETE", "BUDGET_EXCEED", "NOT_START", "TIME_DONE")


class AnomalyActivities(AnomalyOperations):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.settings = deps.settings or Settings()

    @activity.defn
    async def detect_anomalies(self, inp: DetectInput) -> AnomalyReport:
        groups = await self._numbers(inp)
        found = detect(groups, inp.learning_conversions)
        found += await workflow_problems(activity.client(), inp.advertiser_id, datetime.now(UTC))
        report = AnomalyReport(lines=[a.line() for a in found])
        worst = [a for a in found if a.level == "critical" and a.kind in ("cpa_spike", "spend_spike")]
        if worst and inp.on_critical == "rollback":
            async with self.deps.store.session() as session:
                since = datetime.now(UTC) - ROLLBACK_WITHIN
                report.rollback_cycle = await cycles.last_changing(
                    session, inp.advertiser_id, since, inp.cycle
                )
            report.rollback_reason = worst[0].message
        for a in found:
            if (
                a.kind == "spend_spike"
                and a.level == "critical"
                and a.adgroup_id
                and inp.on_critical != "alert"
            ):
                report.pause_adgroups[a.adgroup_id] = a.message
            if not inp.alert:
                continue
            alert = Alert(
                level=a.level,
                kind=a.kind,
                title=f"{a.kind.replace('_', ' ')} on advertiser {inp.advertiser_id}",
                body=f"{a.message}\nFound by {inp.cycle}.",
                advertiser_id=inp.advertiser_id,
                workflow_id=inp.cycle,
                dedupe_key=f"{a.kind}/{inp.advertiser_id}/{a.adgroup_id or a.subject or '-'}",
            )
            sent = await send(self.deps.store, self.settings, alert, datetime.now(UTC))
            report.alerts_sent += 0 if sent.duplicate else 1
        return report

    async def _numbers(self, inp: DetectInput) -> list[GroupNumbers]:
        adv, as_of = inp.advertiser_id, inp.as_of.replace(tzinfo=None)
        today = as_of.date()
        first = today - timedelta(days=LOOKBACK_DAYS - 1)
        async with self.deps.store.session() as session:
            adgroups = (
                (await session.execute(select(AdGroupRow).where(col(AdGroupRow.advertiser_id) == adv)))
                .scalars()
                .all()
            )
            pairs = select(AdRow.ad_id, AdRow.adgroup_id).where(col(AdRow.advertiser_id) == adv)
            ad_group = {ad_id: group_id for ad_id, group_id in (await session.execute(pairs)).all()}
            days = await reports.ad_days(session, adv, first, today - timedelta(days=1))
            hours = await reports.series(
                session, adv, "adgroup", "hour", f"{today:%Y-%m-%d} 00:00:00", f"{as_of:%Y-%m-%d %H}:59:59"
            )
        numbers = {
            g.adgroup_id: GroupNumbers(
                adgroup_id=g.adgroup_id,
                name=g.name,
                active=g.operation_status == "ENABLE" and not (g.secondary_status or "").endswith(NOT_ACTIVE),
                baseline_days=0,
            )
            for g in adgroups
        }
        seen_days: dict[str, set[str]] = defaultdict(set)
        for r in days:
            group = numbers.get(ad_group.get(r.object_id, ""))
            if group is not None:
                group.baseline.add(r.spend, r.impressions, r.clicks, r.conversions)
                seen_days[group.adgroup_id].add(r.stat_time)
        hour_count = as_of.hour
        for group in numbers.values():
            group.baseline_days = len(seen_days[group.adgroup_id])
            group.hours = [0.0] * hour_count
        recent_from = as_of - timedelta(hours=RECENT_HOURS)
        for r in hours:
            group = numbers.get(r.object_id)
            stamp = datetime.strptime(r.stat_time, "%Y-%m-%d %H:%M:%S")
            if group is None or stamp >= as_of:
                continue
            group.hourly_rows += 1
            group.today.add(r.spend, r.impressions, r.clicks, r.conversions)
            group.hours[stamp.hour] = r.impressions
            if stamp >= recent_from:
                group.recent_spend += r.spend
        for group in numbers.values():
            group.recent_hours = min(RECENT_HOURS, hour_count)
        return list(numbers.values())
