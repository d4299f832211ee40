"""The Temporal Schedules that keep the optimization loop going: ``optimize-<advertiser>``
starts ``OptimizationCycle`` every 2 hours (overlap SKIP: a cycle still running or waiting
for an approval is never doubled; a catch-up window so a server outage does not replay a
day of missed cycles). Creating one that exists updates it in place, so ``schedule create``
and connecting an advertiser are idempotent. Pause, resume and trigger work the same from
the Web UI."""

from __future__ import annotations

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

from models.optimization import CycleSettings, OptimizationCycleInput
from models.workflows import ADVERTISER_ID, OPTIMIZATION_CYCLE, optimize_schedule_id
from settings import Settings

EVERY = timedelta(hours=2)
CATCHUP = timedelta(hours=1)


def optimization_schedule(
    settings: Settings, advertiser_id: str, cycle: CycleSettings, every: timedelta, paused: bool
) -> Schedule:
    inp = OptimizationCycleInput(advertiser_id=advertiser_id, settings=cycle)
    return Schedule(
        action=ScheduleActionStartWorkflow(
            OPTIMIZATION_CYCLE,
            inp,
            id=optimize_schedule_id(advertiser_id),
            task_queue=settings.task_queue,
            typed_search_attributes=TypedSearchAttributes(
                [SearchAttributePair(ADVERTISER_ID, advertiser_id)]
            ),
            static_summary=inp.summary(),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
        state=ScheduleState(
            paused=paused, note=f"OptimizationCycle of advertiser {advertiser_id} every {_hours(every)}"
        ),
    )


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
) -> bool:
    """Create ``optimize-<advertiser>`` or bring it in line with these settings; True if created."""
    schedule = optimization_schedule(settings, advertiser_id, cycle or CycleSettings(), every, paused)
    try:
        await client.create_schedule(optimize_schedule_id(advertiser_id), schedule)
        return True
    except ScheduleAlreadyRunningError:

        def replace(update: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule.state.paused = update.description.schedule.state.paused  # pausing is the operator's
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(optimize_schedule_id(advertiser_id)).update(replace)
        return False


@dataclass(frozen=True)
class ScheduleLine:
    schedule_id: str
    paused: bool
    note: str
    next_run: datetime | None
    recent: list[str]


async def list_schedules(client: Client, prefix: str = "optimize-") -> list[ScheduleLine]:
    """The service's schedules with their state, next run and latest runs."""
    out = []
    async for entry in await client.list_schedules():
        if not entry.id.startswith(prefix):
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
