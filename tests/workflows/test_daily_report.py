"""DailyReport on the time-skipping server with the real worker and the simulator's async
report tasks: yesterday's rows land in the warehouse table and a Parquet file that agree
with TikTok's report, a day pulled before it is final is pulled again the next day, and the
summary goes out through the alert routes."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from connector import TikTokClient
from connector.reports import integrated_report
from connector.tokens import StaticTokens
from models.daily_report import DailyReportResult
from models.recovery_tables import AlertRow
from models.warehouse_tables import ReportDayRow
from store import Store, TokenCipher, warehouse
from tests.connector.sim import advance
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker
from workflows.daily_report import DailyReport

JAN1, JAN2 = date(2024, 1, 1), date(2024, 1, 2)


async def run(env: WorkflowEnvironment, tq: str) -> DailyReportResult:
    result: DailyReportResult = await env.client.execute_workflow(
        DailyReport.run,
        {"advertiser_id": DEMO_ADVERTISER, "lookback_days": 1},
        id=f"daily-report-test-{uuid.uuid4().hex[:6]}",
        task_queue=tq,
        result_type=DailyReportResult,
    )
    return result


async def test_yesterday_into_the_warehouse_and_again_until_final(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, tmp_path: Path
) -> None:
    base = fresh_simulator.base_url
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    await advance(base, 40)  # TikTok's time: 2024-01-02 16:00, Jan 1 not settled yet
    async with running_worker(
        ts_env.client, store, cipher, base, tiktok_clock_url=f"{base}/sim/clock", report_dir=tmp_path
    ) as tq:
        first = await run(ts_env, tq)
        await advance(base, 24)  # 2024-01-03 16:00: Jan 1 is final (36 h after its end), Jan 2 not
        second = await run(ts_env, tq)

    assert first.target == JAN1 and {(p.day, p.final) for p in first.pulled} == {(date(2023, 12, 31), True),
                                                                               (JAN1, False)}  # fmt: skip
    assert second.target == JAN2
    assert {(p.day, p.final) for p in second.pulled} == {(JAN1, True), (JAN2, False)}  # re-pulled, now final

    async with TikTokClient(base, tokens=StaticTokens({DEMO_ADVERTISER: DEMO_TOKEN})) as api:
        tiktok = await integrated_report(
            api, DEMO_ADVERTISER, data_level="AUCTION_AD", dimensions=["ad_id", "stat_time_day"],
            metrics=["spend", "impressions", "video_play_actions"], start=JAN1, end=JAN1,
        )  # fmt: skip
    async with store.session() as session:
        rows = await warehouse.rows_of(session, DEMO_ADVERTISER, JAN1, "ad")
        days = await session.execute(
            select(ReportDayRow).where(col(ReportDayRow.advertiser_id) == DEMO_ADVERTISER)
        )
        final = {r.day: r.final for r in days.scalars().all()}
        alerts = (
            (await session.execute(select(AlertRow).where(col(AlertRow.kind) == "daily_report")))
            .scalars()
            .all()
        )
    assert final["2024-01-01"] and not final["2024-01-02"]
    assert len(rows) == len(tiktok) > 0 and all(r.final and r.name for r in rows)
    assert abs(sum(r.spend for r in rows) - sum(t.metrics["spend"] or 0 for t in tiktok)) < 0.05
    assert sum(r.video_views for r in rows) == sum(t.metrics["video_play_actions"] or 0 for t in tiktok)

    ad_file = next(p.parquet for p in second.pulled if p.day == JAN1 and p.level == "ad")
    assert ad_file and Path(ad_file).is_relative_to(tmp_path)
    table = pq.read_table(ad_file)
    assert table.num_rows == len(rows) and table.column("final").to_pylist() == [True] * len(rows)
    assert abs(sum(table.column("spend").to_pylist()) - sum(r.spend for r in rows)) < 0.05
    summaries = [a.title for a in alerts if a.advertiser_id == DEMO_ADVERTISER]
    assert any("Daily report 7000000000000000001 2024-01-02: spend" in t for t in summaries), summaries


async def test_exports_open_as_csv_and_excel(store: Store, tmp_path: Path) -> None:
    """The warehouse rows as an operator exports them (``starter.py report export``)."""
    import asyncio
    import csv

    from openpyxl import load_workbook

    from models.warehouse_tables import DailyStatRow
    from reporting.export import write
    from tests.cliutil import cli

    day = date(2023, 7, 1)
    rows = [
        DailyStatRow(
            level="ad", object_id=f"19{i}", day=day.isoformat(), advertiser_id="7999", name=f"Ad {i}",
            spend=10.5 * i, impressions=1000 * i, metrics={"spend": 10.5 * i, "likes": 3 * i}, final=True,
        )
        for i in (1, 2)
    ]  # fmt: skip
    async with store.session() as session:
        await warehouse.replace_day(session, "7999", "ad", day, rows)
    async with store.session() as session:
        stored = await warehouse.rows_between(session, "7999", day, day)
    run = cli({"TTADS_DATABASE_URL": store.url, "TTADS_DATA_DIR": str(tmp_path)})
    args = ["report", "export", "7999", "--from", day.isoformat(), "--to", day.isoformat()]
    answer = await asyncio.to_thread(run, *args, "-o", str(tmp_path / "x.csv"))
    assert answer.exit_code == 0 and "2 rows written" in answer.output, answer.output
    csv_rows = list(csv.DictReader((tmp_path / "x.csv").open()))
    assert [(r["object_id"], r["name"], float(r["spend"]), r["likes"]) for r in csv_rows] == [
        ("191", "Ad 1", 10.5, "3"), ("192", "Ad 2", 21.0, "6")]  # fmt: skip
    sheet = load_workbook(write(stored, tmp_path / "x.xlsx")).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("day", "level", "object_id") and "likes" in values[0]
    assert values[2][values[0].index("spend")] == 21.0 and len(values) == 3


def test_creative_metrics_from_the_warehouse_rows() -> None:
    """Early CTR over the first impressions, hook and completion rates, conversion shares."""
    from models.warehouse_tables import DailyStatRow
    from reporting.creative_metrics import creative_metrics

    def row(
        ad: str, day: str, impressions: float, clicks: float, conversions: float, **metrics: float
    ) -> DailyStatRow:
        return DailyStatRow(level="ad", object_id=ad, day=day, advertiser_id="7999", impressions=impressions,
                            clicks=clicks, conversions=conversions, metrics=metrics)  # fmt: skip

    video = {"video_play_actions": 1}
    rows = [
        row("v", "2024-01-01", 600, 12, 1, video_watched_2s=300, video_views_p100=60, **video),
        row("v", "2024-01-02", 600, 6, 2, video_watched_2s=240, video_views_p100=30, **video),
        row("v", "2024-01-03", 800, 8, 0, video_watched_2s=400, video_views_p100=40, **video),
        row("i", "2024-01-01", 2000, 10, 1),
    ]
    by_ad = {m.ad_id: m for m in creative_metrics(rows, early_impressions=1000)}
    v, i = by_ad["v"], by_ad["i"]
    assert v.early_ctr == 18 / 1200  # the first two days reach 1,000 impressions
    assert v.hook_rate == 940 / 2000 and v.completion_rate == 130 / 2000
    assert v.conversion_share == 3 / 4 and i.conversion_share == 1 / 4
    assert i.hook_rate is None and i.early_ctr == 10 / 2000
    assert [m.ad_id for m in creative_metrics(rows)] == ["v", "i"]  # best share first


async def test_fatigued_ads_retire_their_pool_creatives(store: Store, cipher: TokenCipher) -> None:
    """An ad whose recent CTR fell 40 % or more below its early CTR is fatigued; its approved
    pool creative leaves the pickable set, the fresh ad's stays."""
    from pydantic import SecretStr
    from temporalio.testing import ActivityEnvironment

    from activities.context import Dependencies
    from activities.daily_report import DailyReportActivities
    from models.daily_report import PlanInput
    from models.recovery_tables import PoolCreativeRow
    from models.tables import AdRow
    from models.warehouse_tables import DailyStatRow
    from reporting.creative_metrics import fatigued
    from settings import Settings
    from store import pool

    adv, tag = "7888000000000000001", uuid.uuid4().hex[:6]
    stale, fresh = f"19{tag}1", f"19{tag}2"
    rows = []
    for n, day in enumerate(["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05"]):
        stale_clicks = 30 if n < 2 else 12  # 3.0 % early, 1.2 % over the last three days
        common = {"level": "ad", "day": day, "advertiser_id": adv, "impressions": 1000}
        rows += [
            DailyStatRow(object_id=stale, clicks=stale_clicks, **common),
            DailyStatRow(object_id=fresh, clicks=25, **common),
        ]
    assert fatigued(rows) == [stale]
    async with store.session() as session:
        session.add_all(rows)
        for ad_id, which in ((stale, "stale"), (fresh, "fresh")):
            ids = {"advertiser_id": adv, "adgroup_id": "1", "campaign_id": "1"}
            session.add(AdRow(ad_id=ad_id, name=which, video_id=f"v-{tag}-{which}", **ids))
            item = PoolCreativeRow(
                advertiser_id=adv, creative_id=f"v-{tag}-{which}", ad_text=which, added_by="ada"
            )
            await pool.add(session, item)
    deps = Dependencies.build(Settings(change_log_key=SecretStr("k")), store=store, cipher=cipher)
    acts = DailyReportActivities(deps)
    try:
        result = await ActivityEnvironment().run(
            acts.mark_fatigue, PlanInput(advertiser_id=adv, day=date(2024, 5, 5), lookback_days=0)
        )
    finally:
        await deps.tiktok.aclose()
        await deps.oauth.aclose()
    assert result.ads == [stale] and len(result.pool_ids) == 1
    async with store.session() as session:
        states = {r.creative_id: r.state for r in await pool.items(session, adv)}
    assert states[f"v-{tag}-stale"] == "fatigued" and states[f"v-{tag}-fresh"] == "approved"
