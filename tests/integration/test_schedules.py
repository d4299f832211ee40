"""The optimization schedule on the real dev server (the time-skipping server has no
schedules): created idempotently, triggered runs are OptimizationCycles that read their
window from the scheduled time, and overlap SKIP never doubles a cycle that still waits."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client, ScheduleActionStartWorkflow, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from models.optimization import CycleResult, CycleSettings, OptimizationCycleInput
from models.workflows import optimize_schedule_id
from schedules import ensure_optimization_schedule, list_schedules, spread
from settings import Settings
from store import Store, TokenCipher
from tests.connector.sim import advance
from tests.workflows.helpers import DEMO_TOKEN, connect_advertiser, running_worker
from tests.workflows.launch_helpers import ADV, seed_tenant

pytestmark = pytest.mark.integration


async def _runs(client: Client, prefix: str) -> list[Any]:
    return [w async for w in client.list_workflows(f"WorkflowId STARTS_WITH '{prefix}'")]


async def _wait(pred: Any, within: float = 60) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await pred()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.3)


async def test_schedule_triggers_cycles_and_skips_overlap(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any
) -> None:
    client, base = dev_env.client, fresh_simulator.base_url
    await seed_tenant(store)
    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
    await advance(base, 100)
    clock = f"{base}/sim/clock"
    async with running_worker(client, store, cipher, base, tiktok_clock_url=clock) as tq:
        settings = Settings(task_queue=tq)
        sid = optimize_schedule_id(ADV)
        dry = CycleSettings(target_cpa=40, dry_run=True)
        assert await ensure_optimization_schedule(client, settings, ADV, cycle=dry, paused=True)
        await client.get_schedule_handle(sid).unpause()
        assert not await ensure_optimization_schedule(
            client, settings, ADV, cycle=dry
        )  # updated, not doubled
        listed = {line.schedule_id: line for line in await list_schedules(client)}
        assert not listed[sid].paused and listed[sid].next_run is not None  # the operator's unpause stays

        await client.get_schedule_handle(sid).trigger()
        first = await _wait(lambda: _finished(client, sid))
        result = await client.get_workflow_handle(first.id, result_type=CycleResult).result()
        assert result.outcome == "dry_run" and result.proposed
        assert first.search_attributes.get("AdvertiserId") == [ADV]
        assert "TemporalScheduledStartTime" in first.search_attributes
        (interval,) = (await client.get_schedule_handle(sid).describe()).schedule.spec.intervals
        assert interval.every == timedelta(hours=2) and interval.offset == spread(ADV, interval.every)

        # a cycle waiting for approval is not doubled by the next trigger (overlap SKIP)
        gated = CycleSettings(target_cpa=40, approval_move=0.0001)
        await ensure_optimization_schedule(client, settings, ADV, cycle=gated)
        await client.get_schedule_handle(sid).trigger()
        await _wait(lambda: _running(client, sid))
        await client.get_schedule_handle(sid).trigger()
        info = await _wait(lambda: _skipped(client, sid))
        assert info.num_actions_skipped_overlap >= 1
        assert len(await _running(client, sid)) == 1
        for run in await _running(client, sid):
            await client.get_workflow_handle(run.id).terminate("test over")
        # reconnecting the advertiser (token connect) leaves the operator's settings alone
        assert not await ensure_optimization_schedule(client, settings, ADV, replace=False)
        action = (await client.get_schedule_handle(sid).describe()).schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        (kept,) = await client.data_converter.decode(action.args, [OptimizationCycleInput])  # type: ignore[arg-type]
        assert kept.settings.approval_move == 0.0001
        await client.get_schedule_handle(sid).delete()


async def _finished(client: Client, sid: str) -> Any:
    done = [w for w in await _runs(client, f"{sid}-") if w.status == WorkflowExecutionStatus.COMPLETED]
    return done[0] if done else None


async def _running(client: Client, sid: str) -> list[Any]:
    return [w for w in await _runs(client, f"{sid}-") if w.status == WorkflowExecutionStatus.RUNNING]


async def _skipped(client: Client, sid: str) -> Any:
    info = (await client.get_schedule_handle(sid).describe()).info
    return info if info.num_actions_skipped_overlap else None


def test_advertisers_cycles_spread_over_the_interval() -> None:
    """50 advertisers' cycles do not all start at the same minute (they share one quota)."""
    every = timedelta(hours=2)
    offsets = [spread(str(7000000000000000001 + i), every) for i in range(50)]
    assert all(timedelta(0) <= o < every for o in offsets) and len(set(offsets)) >= 35
