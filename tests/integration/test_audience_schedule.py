"""An audience job's schedule on the real dev server (the time-skipping server has no
schedules): created from the CLI's code path with Treasure Data's cron, and paused with the
reason and a critical alert once it fails three times in a row."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from audiences.cron import parse
from audiences.schedule import ensure_audience_schedule
from models.audience_tables import AudienceJobRow
from models.audiences import AudienceSyncInput, audience_schedule_id
from models.recovery_tables import AlertRow
from settings import Settings
from store import Store, TokenCipher
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker

pytestmark = pytest.mark.integration
JOB = "nightly-crm-test"


async def _closed(client: Client, prefix: str) -> list[Any]:
    return [
        w
        async for w in client.list_workflows(f"WorkflowId STARTS_WITH '{prefix}'")
        if w.status != WorkflowExecutionStatus.RUNNING
    ]


async def _wait_closed(client: Client, prefix: str, count: int, within: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while len(await _closed(client, prefix)) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"fewer than {count} runs of {prefix} ended")
        await asyncio.sleep(0.3)


async def test_a_failing_job_is_paused_with_the_reason_and_an_alert(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, tmp_path: Path
) -> None:
    client = dev_env.client
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    job = AudienceSyncInput.model_validate(
        {
            "advertiserId": DEMO_ADVERTISER,
            "audienceName": "nightly",
            "encryptionType": "EMAIL_SHA256",
            "source": {"path": str(tmp_path / "export-not-written-yet.csv")},
            "job_id": JOB,
        }
    )
    async with running_worker(
        client, store, cipher, fresh_simulator.base_url, data_dir=tmp_path, audience_failures_before_pause=3
    ) as tq:
        settings = Settings(task_queue=tq)
        sid = audience_schedule_id(JOB)
        assert await ensure_audience_schedule(client, settings, job, parse("0 0 1 * 1"), "Asia/Tokyo")
        described = await client.get_schedule_handle(sid).describe()
        calendar = described.schedule.spec.calendars[0]  # Temporal keeps cron as a calendar
        assert [(r.start, r.end) for r in calendar.day_of_week] == [(1, 1)]  # Treasure Data's weekday rule:
        assert [(r.start, r.end) for r in calendar.day_of_month] == [(1, 31)]  # Mondays, not also the 1st
        assert described.schedule.spec.time_zone_name == "Asia/Tokyo"
        assert "day of week" in (described.schedule.state.note or "")
        handle = client.get_schedule_handle(sid)
        for run in range(1, 4):
            await handle.trigger()
            await _wait_closed(client, sid, run)
        described = await handle.describe()
        assert described.schedule.state.paused
        note = described.schedule.state.note or ""
        assert "3 failed runs in a row" in note and "no such file" in note
        await handle.delete()
    async with store.session() as session:
        row = await session.get(AudienceJobRow, JOB)
        alerts = (
            (await session.execute(select(AlertRow).where(col(AlertRow.kind) == "audience_job_failing")))
            .scalars()
            .all()
        )
    assert row is not None and row.failures == 3 and row.last_status == "failed"
    assert len(alerts) == 1 and alerts[0].level == "critical" and JOB in alerts[0].title
