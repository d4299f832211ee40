"""The worker's ``Liveness`` interceptor: a live activity that never heartbeats itself (it is
waiting on TikTok, the database or a thread) outlasts its heartbeat timeout, and what it last
reported is what the server keeps; without the interceptor the same activity times out."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.client import WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Interceptor, Worker

from activities.liveness import Liveness


@activity.defn
async def slow_call(seconds: float) -> str:
    activity.heartbeat({"step": "calling TikTok"})
    await asyncio.sleep(seconds)  # no heartbeat of its own meanwhile
    return "done"


@workflow.defn
class Slow:
    @workflow.run
    async def run(self, seconds: float) -> str:
        return await workflow.execute_activity(
            slow_call,
            seconds,
            start_to_close_timeout=timedelta(seconds=30),
            heartbeat_timeout=timedelta(seconds=2),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )


async def run_slow(env: WorkflowEnvironment, interceptors: list[Interceptor]) -> str:
    queue = f"liveness-{uuid.uuid4().hex[:6]}"
    async with Worker(
        env.client, task_queue=queue, workflows=[Slow], activities=[slow_call], interceptors=interceptors
    ):
        return await env.client.execute_workflow(Slow.run, 5.0, id=queue, task_queue=queue)


async def test_a_live_activity_outlasts_its_heartbeat_timeout() -> None:
    async with await WorkflowEnvironment.start_local(dev_server_existing_path=_temporal()) as env:
        assert await run_slow(env, [Liveness(every=0.5)]) == "done"
        with pytest.raises(WorkflowFailureError) as failed:
            await run_slow(env, [])
    assert "timeout" in str(failed.value.cause).lower() or "Heartbeat" in repr(failed.value.cause.__cause__)


def _temporal() -> str:
    from tests.integration.conftest import TEMPORAL

    return TEMPORAL
