"""A Temporal Schedule per audience sync job: ``audience-<job_id>`` starts ``AudienceSync``
on the job's cron (Treasure Data's syntax, ``audiences.cron``) in the job's time zone.

Overlap SKIP (a long export is never doubled), a one-hour catch-up window. Creating a job
that exists updates it in place and keeps an operator's pause. A job that fails
``audience_failures_before_pause`` times in a row is paused with the reason
(``pause_failing_job``), as Treasure Data disables a job that keeps failing.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.service import RPCError, RPCStatusCode

from audiences.cron import Cron
from models.audiences import AudienceSyncInput, audience_schedule_id
from models.workflows import AUDIENCE_SYNC
from schedules import advertiser_action, ensure_schedule
from settings import Settings

CATCHUP = timedelta(hours=1)


def audience_schedule(settings: Settings, inp: AudienceSyncInput, cron: Cron, time_zone: str) -> Schedule:
    assert inp.job_id is not None
    note = f"AudienceSync job {inp.job_id}: {cron.expression or 'no scheduled time'} ({time_zone})"
    if cron.note:
        note += f"; {cron.note}"
    return Schedule(
        action=advertiser_action(
            settings, AUDIENCE_SYNC, inp, audience_schedule_id(inp.job_id), inp.advertiser_id, inp.summary()
        ),
        spec=ScheduleSpec(
            cron_expressions=[cron.expression] if cron.expression else [], time_zone_name=time_zone
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
        state=ScheduleState(note=note),
    )


async def ensure_audience_schedule(
    client: Client, settings: Settings, inp: AudienceSyncInput, cron: Cron, time_zone: str = "UTC"
) -> bool:
    """Create the job's schedule or bring it in line (keeping a pause); True if created."""
    assert inp.job_id is not None
    schedule = audience_schedule(settings, inp, cron, time_zone)
    return await ensure_schedule(client, audience_schedule_id(inp.job_id), schedule)


async def pause_failing_job(client: Client, job_id: str, reason: str) -> bool:
    """Pause ``audience-<job_id>`` with ``reason``; False when there is no such schedule."""
    try:
        await client.get_schedule_handle(audience_schedule_id(job_id)).pause(note=reason[:500])
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        return False
    return True
