"""``DailyReport``'s activities: which days to pull, and one day of one level pulled with an
async report task into the warehouse tables and a Parquet file."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select
from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import DailyReportOperations
from connector.reports import report_via_task
from models.daily_report import (
    ATTRIBUTES,
    DATA_LEVEL,
    FINAL_AFTER_HOURS,
    ID_DIMENSION,
    METRICS,
    Fatigue,
    PlanInput,
    PulledDay,
    PullInput,
    ReportPlan,
)
from models.tables import AdRow
from models.warehouse_tables import DailyStatRow
from reporting.creative_metrics import fatigued
from reporting.parquet import write_day
from settings import Settings
from store import pool, warehouse


def is_final(day: date, now: datetime) -> bool:
    """TikTok's numbers for ``day`` are settled once 36 hours have passed since it ended."""
    return now >= datetime.combine(day + timedelta(days=1), datetime.min.time()) + timedelta(
        hours=FINAL_AFTER_HOURS
    )


class DailyReportActivities(DailyReportOperations):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.settings = deps.settings or Settings()

    @property
    def report_dir(self) -> Path:
        return self.settings.report_dir or self.settings.data_dir / "reports"

    @activity.defn
    async def plan_report_days(self, inp: PlanInput) -> ReportPlan:
        now = await self.deps.tiktok_now()
        target = inp.day or (now.date() - timedelta(days=1))
        days = [target]
        if inp.lookback_days:
            first = target - timedelta(days=inp.lookback_days)
            async with self.deps.store.session() as session:
                days = [
                    *await warehouse.days_not_final(
                        session, inp.advertiser_id, first, target - timedelta(days=1)
                    ),
                    target,
                ]
        return ReportPlan(target=target, days=days, now=now.isoformat())

    @activity.defn
    async def pull_report_day(self, inp: PullInput) -> PulledDay:
        level, adv = inp.level, inp.advertiser_id
        id_dimension = ID_DIMENSION[level]
        attributes = ATTRIBUTES[level]
        rows = await report_via_task(
            self.deps.tiktok,
            adv,
            data_level=DATA_LEVEL[level],
            dimensions=[id_dimension, "stat_time_day"],
            metrics=[*METRICS, *attributes],
            start=inp.day,
            end=inp.day,
            text_columns=attributes,
        )
        final = is_final(inp.day, await self.deps.tiktok_now())
        stats, flat = [], []
        for row in rows:
            dims, metrics = row.dimensions, row.metrics
            name = dims.get({"campaign": "campaign_name", "adgroup": "adgroup_name", "ad": "ad_name"}[level])
            stat = DailyStatRow(
                level=level,
                object_id=dims[id_dimension],
                day=inp.day.isoformat(),
                advertiser_id=adv,
                campaign_id=dims.get("campaign_id") or (dims[id_dimension] if level == "campaign" else None),
                adgroup_id=dims.get("adgroup_id") or (dims[id_dimension] if level == "adgroup" else None),
                name=name,
                spend=metrics.get("spend") or 0.0,
                impressions=metrics.get("impressions") or 0.0,
                clicks=metrics.get("clicks") or 0.0,
                conversions=metrics.get("conversion") or 0.0,
                reach=metrics.get("reach") or 0.0,
                video_views=metrics.get("video_play_actions") or 0.0,
                metrics={k: v for k, v in metrics.items() if v is not None},
                final=final,
            )
            stats.append(stat)
            flat.append({**stat.model_dump(exclude={"metrics", "pulled_at"}), **metrics})
        async with self.deps.store.session() as session:
            await warehouse.replace_day(session, adv, level, inp.day, stats)
            await warehouse.mark_day(session, adv, inp.day, final=final, rows=len(stats))
        path = await asyncio.to_thread(write_day, self.report_dir, adv, level, inp.day, flat, METRICS)
        return PulledDay(
            day=inp.day,
            level=level,
            rows=len(stats),
            final=final,
            parquet=str(path),
            spend=round(sum(s.spend for s in stats), 2),
            conversions=sum(s.conversions for s in stats),
        )

    @activity.defn
    async def mark_fatigue(self, inp: PlanInput) -> Fatigue:
        """Pool creatives of ads gone stale leave the pool's pickable set (state ``fatigued``)."""
        day = inp.day or date.today()
        async with self.deps.store.session() as session:
            rows = await warehouse.rows_between(
                session, inp.advertiser_id, day - timedelta(days=13), day, "ad"
            )
            ads = fatigued(rows)
            if not ads:
                return Fatigue()
            mirror = (await session.execute(select(AdRow).where(col(AdRow.ad_id).in_(ads)))).scalars().all()
            creatives = {c for ad in mirror for c in (ad.video_id, *ad.image_ids) if c}
            retired = await pool.retire(session, inp.advertiser_id, creatives, "fatigued")
        return Fatigue(ads=ads, pool_ids=retired)
