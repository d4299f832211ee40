"""The Temporal Schedules that keep the optimization loop going: ``optimize-<advertiser>``
starts ``OptimizationCycle`` every 2 hours, ``fit-priors-<advertiser>`` starts ``PriorFit``
once a day (overlap SKIP: a cycle still running or waiting
for an approval is never doubled; a catch-up window so a server outage does not replay a
day of missed cycles). Creating one that exists updates it in place, so ``schedule create``
and connecting an advertiser are idempotent. Pause, resume and trigger work the same from
the Web UI. Also here: ``daily-report-<advertiser>`` (``DailyReport``) and the service's
``privacy-retention`` (``RetentionPurge``); ``advertiser_action`` and ``ensure_schedule`` are
what every schedule of an advertiser is built and kept with (audience jobs too)."""

from __future__ import annotations

import contextlib
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from models.daily_report import DailyReportInput
from models.optimization import CycleSettings, OptimizationCycleInput
from models.priors import PriorFitInput
from models.privacy import RetentionPurgeInput
from models.workflows import (
    ADVERTISER_ID,
    DAILY_REPORT,
    OPTIMIZATION_CYCLE,
    PRIOR_FIT,
    RETENTION_PURGE,
    RETENTION_SCHEDULE,
    daily_report_schedule_id,
    optimize_schedule_id,
    prior_schedule_id,
)
from settings import Settings

EVERY = timedelta(hours=2)
PRIOR_EVERY = timedelta(days=1)
CATCHUP = timedelta(hours=1)


def advertiser_action(
    settings: Settings, workflow_type: str, inp: object, workflow_id: str, advertiser_id: str, summary: str
) -> ScheduleActionStartWorkflow:
    """Start ``workflow_type`` with ``inp`` on the task queue, tagged with the advertiser (the
    search attribute operators filter by) and a summary for the Web UI."""
    return ScheduleActionStartWorkflow(
        workflow_type,
        inp,
        id=workflow_id,
        task_queue=settings.task_queue,
        typed_search_attributes=TypedSearchAttributes([SearchAttributePair(ADVERTISER_ID, advertiser_id)]),
        static_summary=summary,
    )


def optimization_schedule(
    settings: Settings, advertiser_id: str, cycle: CycleSettings, every: timedelta, paused: bool
) -> Schedule:
    inp = OptimizationCycleInput(advertiser_id=advertiser_id, settings=cycle)
    return Schedule(
        action=advertiser_action(
            settings,
            OPTIMIZATION_CYCLE,
            inp,
            optimize_schedule_id(advertiser_id),
            advertiser_id,
            inp.summary(),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every, offset=spread(advertiser_id, every))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
        state=ScheduleState(
            paused=paused, note=f"OptimizationCycle of advertiser {advertiser_id} every {_hours(every)}"
        ),
    )


def spread(advertiser_id: str, every: timedelta) -> timedelta:
    """A whole-minute offset inside the interval, the same for an advertiser every time: the
    advertisers' cycles spread over the 2 hours instead of all asking TikTok's shared quota
    at once (an offset moves the nominal time too, so a cycle is never "late" because of it)."""
    minutes = max(1, int(every.total_seconds() // 60))
    return timedelta(minutes=zlib.crc32(advertiser_id.encode()) % minutes)


def _hours(every: timedelta) -> str:
    hours = every.total_seconds() / 3600
    return f"{hours:g} h"


async def ensure_optimization_schedule(
    client: Client,
    settings: Settings,
    advertiser_id: str,
    *,
    cycle: CycleSettings | None = None,
    every: timedelta = EVERY,
    paused: bool = False,
    replace: bool = True,
) -> bool:
    """Create ``optimize-<advertiser>`` (and the daily ``fit-priors-<advertiser>``) or bring
    them in line with these settings; True if the cycle's schedule was created. ``replace``
    False leaves existing ones as they are (reconnecting an advertiser keeps its settings)."""
    cycle = cycle or CycleSettings()
    priors = PriorFitInput(advertiser_id=advertiser_id, target_cpa=cycle.target_cpa)
    prior = prior_schedule(settings, priors, paused)
    await ensure_schedule(client, prior_schedule_id(advertiser_id), prior, replace=replace)
    schedule = optimization_schedule(settings, advertiser_id, cycle, every, paused)
    return await ensure_schedule(client, optimize_schedule_id(advertiser_id), schedule, replace=replace)


async def ensure_schedule(
    client: Client, schedule_id: str, schedule: Schedule, *, replace: bool = True
) -> bool:
    """Create the schedule, or update it in place keeping an operator's pause (unless not
    ``replace``: then an existing one is left alone); True if created."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:
        if not replace:
            return False

        def keep_pause(update: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule.state.paused = update.description.schedule.state.paused  # pausing is the operator's
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(keep_pause)
        return False


def prior_schedule(settings: Settings, inp: PriorFitInput, paused: bool) -> Schedule:
    """``PriorFit`` once a day: the priors change slowly, and a fit takes tens of seconds."""
    return Schedule(
        action=advertiser_action(
            settings,
            PRIOR_FIT,
            inp,
            prior_schedule_id(inp.advertiser_id),
            inp.advertiser_id,
            f"Fit the hierarchical priors of advertiser {inp.advertiser_id}",
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=PRIOR_EVERY)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
        state=ScheduleState(paused=paused, note=f"PriorFit of advertiser {inp.advertiser_id} daily"),
    )


@dataclass(frozen=True)
class ScheduleLine:
    schedule_id: str
    paused: bool
    note: str
    next_run: datetime | None
    recent: list[str]


async def list_schedules(
    client: Client, prefixes: tuple[str, ...] = ("optimize-", "fit-priors-")
) -> list[ScheduleLine]:
    """The service's schedules with their state, next run and latest runs."""
    out = []
    async for entry in await client.list_schedules():
        if not entry.id.startswith(prefixes):
            continue
        described = await client.get_schedule_handle(entry.id).describe()
        info, state = described.info, described.schedule.state
        out.append(
            ScheduleLine(
                schedule_id=entry.id,
                paused=state.paused,
                note=state.note or "",
                next_run=info.next_action_times[0] if info.next_action_times else None,
                recent=[
                    a.action.workflow_id
                    for a in info.recent_actions[-3:]
                    if isinstance(a.action, ScheduleActionExecutionStartWorkflow)
                ],
            )
        )
    return sorted(out, key=lambda line: line.schedule_id)


async def pause_advertiser_schedules(client: Client, advertiser_id: str, note: str) -> list[str]:
    """Pause every schedule of the advertiser (optimization, priors) with ``note``; the ids paused.
    A schedule that does not exist is skipped."""
    paused = []
    for schedule_id in (optimize_schedule_id(advertiser_id), prior_schedule_id(advertiser_id)):
        try:
            await client.get_schedule_handle(schedule_id).pause(note=note)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            continue
        paused.append(schedule_id)
    return paused


def daily_report_schedule(settings: Settings, inp: DailyReportInput, hour_utc: int) -> Schedule:
    """``DailyReport`` once a day at ``hour_utc`` (default 01:00 UTC, 10:00 JST: the day before
    is complete in Japan's time zone and mostly settled)."""
    return Schedule(
        action=advertiser_action(
            settings,
            DAILY_REPORT,
            inp,
            daily_report_schedule_id(inp.advertiser_id),
            inp.advertiser_id,
            inp.summary(),
        ),
        spec=ScheduleSpec(cron_expressions=[f"0 {hour_utc} * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
        state=ScheduleState(
            note=f"DailyReport of advertiser {inp.advertiser_id} daily at {hour_utc:02d}:00 UTC"
        ),
    )


async def ensure_daily_report_schedule(
    client: Client, settings: Settings, advertiser_id: str, *, hour_utc: int = 1
) -> bool:
    """Create ``daily-report-<advertiser>`` or bring it in line; True if created."""
    inp = DailyReportInput(advertiser_id=advertiser_id)
    schedule = daily_report_schedule(settings, inp, hour_utc)
    return await ensure_schedule(client, daily_report_schedule_id(advertiser_id), schedule)


async def ensure_retention_schedule(client: Client, settings: Settings) -> None:
    """``privacy-retention``: ``RetentionPurge`` daily at 03:00 UTC (created once, kept)."""
    inp = RetentionPurgeInput(retention_days=settings.retention_days)
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            RETENTION_PURGE,
            inp,
            id=RETENTION_SCHEDULE,
            task_queue=settings.task_queue,
            static_summary=inp.summary(),
        ),
        spec=ScheduleSpec(cron_expressions=["0 3 * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
        state=ScheduleState(note=f"personal data older than {settings.retention_days} days is deleted daily"),
    )
    with contextlib.suppress(ScheduleAlreadyRunningError):  # an operator's changes stay
        await client.create_schedule(RETENTION_SCHEDULE, schedule)
