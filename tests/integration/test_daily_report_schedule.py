"""The daily report's schedule on the real dev server: created idempotently, triggered by
hand, and its run fills the warehouse for yesterday in TikTok's time."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from models.workflows import daily_report_schedule_id
from schedules import ensure_daily_report_schedule
from settings import Settings
from store import Store, TokenCipher, warehouse
from tests.connector.sim import advance
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker

pytestmark = pytest.mark.integration


async def test_the_schedule_runs_a_daily_report(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, tmp_path: Path
) -> None:
    client, base = dev_env.client, fresh_simulator.base_url
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    await advance(base, 30)
    async with running_worker(
        client, store, cipher, base, tiktok_clock_url=f"{base}/sim/clock", report_dir=tmp_path
    ) as tq:
        settings = Settings(task_queue=tq)
        sid = daily_report_schedule_id(DEMO_ADVERTISER)
        assert await ensure_daily_report_schedule(client, settings, DEMO_ADVERTISER, hour_utc=2)
        assert not await ensure_daily_report_schedule(client, settings, DEMO_ADVERTISER, hour_utc=2)
        handle = client.get_schedule_handle(sid)
        await handle.trigger()
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            runs = [w async for w in client.list_workflows(f"WorkflowId STARTS_WITH '{sid}'")]
            if runs and all(r.status != WorkflowExecutionStatus.RUNNING for r in runs):
                break
            assert asyncio.get_running_loop().time() < deadline, runs
            await asyncio.sleep(0.3)
        assert [r.status for r in runs] == [WorkflowExecutionStatus.COMPLETED]
        described = await handle.describe()
        assert "daily at 02:00 UTC" in (described.schedule.state.note or "")
        await handle.delete()
    async with store.session() as session:
        rows = await warehouse.rows_of(session, DEMO_ADVERTISER, date(2024, 1, 1), "campaign")
    assert rows and all(r.name for r in rows)
