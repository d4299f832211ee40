"""``DailyReport`` (section 11, workflow 5): the previous day's full data of one advertiser
into the warehouse tables and daily Parquet files, and a summary through the alert routes.

Plan the days (yesterday in TikTok's time, and earlier days whose last pull was not final:
TikTok settles a day within about 36 hours) -> pull each day and level with an async report
task -> summarise the target day (spend, conversions, CPA) to Slack/e-mail/Teams. Started
daily by the schedule ``daily-report-<advertiser>``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import DailyReportOperations
    from models.alerts import Alert
    from models.daily_report import DailyReportInput, DailyReportResult, PlanInput, PullInput
    from models.workflows import DAILY_REPORT
    from workflows.common import ADVERTISER_ID, send_alert, tiktok_activity, validated_input

PULL_TIMEOUT = timedelta(minutes=20)  # an async task of a big account's day, polled
HEARTBEAT = timedelta(minutes=2)


@workflow.defn(name=DAILY_REPORT)
class DailyReport:
    def __init__(self) -> None:
        self._result: DailyReportResult | None = None
        self._phase = "starting"

    @workflow.query(name="status")
    def status(self) -> dict[str, Any]:
        return {
            "phase": self._phase,
            "result": self._result.model_dump(mode="json") if self._result else None,
        }

    @workflow.run
    async def run(self, inp: DailyReportInput | dict[str, Any]) -> DailyReportResult:
        report = validated_input(DailyReportInput, inp)
        adv = report.advertiser_id
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(adv)])
        plan = await tiktok_activity(
            DailyReportOperations.plan_report_days,
            PlanInput(advertiser_id=adv, day=report.day, lookback_days=report.lookback_days),
            summary="Which days to pull: yesterday, and earlier days not final yet",
            start_to_close=timedelta(minutes=2),
        )
        result = self._result = DailyReportResult(advertiser_id=adv, target=plan.target)
        for day in plan.days:
            for level in report.levels:
                self._phase = f"pulling {level} rows of {day}"
                workflow.set_current_details(f"**{self._phase}** ({len(result.pulled)} pulls done)")
                pulled = await tiktok_activity(
                    DailyReportOperations.pull_report_day,
                    PullInput(advertiser_id=adv, day=day, level=level),
                    summary=f"Pull the {level} report of {day} (async report task) into the warehouse",
                    start_to_close=PULL_TIMEOUT,
                    heartbeat=HEARTBEAT,
                )
                result.pulled.append(pulled)
        target = [p for p in result.pulled if p.day == plan.target and p.level == report.levels[0]]
        if target:
            result.spend, result.conversions = target[0].spend, target[0].conversions
            result.cpa = round(result.spend / result.conversions, 2) if result.conversions else None
        if workflow.patched("creative-fatigue") and "ad" in report.levels:
            result.fatigue = await tiktok_activity(
                DailyReportOperations.mark_fatigue,
                PlanInput(advertiser_id=adv, day=plan.target, lookback_days=report.lookback_days),
                summary="Retire the pool creatives of ads whose CTR fell well below their early CTR",
                start_to_close=timedelta(minutes=2),
            )
        if report.summary_alert:
            cpa = f"{result.cpa:.2f}" if result.cpa is not None else "-"
            await send_alert(
                Alert(
                    level="info",
                    kind="daily_report",
                    title=f"Daily report {adv} {plan.target}: spend {result.spend:.2f}, "
                    f"{result.conversions:.0f} conversions, CPA {cpa}",
                    body=f"Pulled {len(result.pulled)} day/level reports "
                    f"({', '.join(sorted({str(p.day) for p in result.pulled}))}).",
                    advertiser_id=adv,
                    workflow_id=workflow.info().workflow_id,
                    dedupe_key=f"daily_report/{adv}/{plan.target}",
                )
            )
        self._phase = "done"
        workflow.set_current_details(f"**done**: {len(result.pulled)} pulls")
        return result
