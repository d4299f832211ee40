"""Failed and stuck runs of an advertiser are found in Temporal's visibility (dev server)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from activities.workflow_health import workflow_problems
from models.workflows import ADVERTISER_ID, OPTIMIZATION_CYCLE
from store import Store, TokenCipher
from tests.workflows.helpers import running_worker

pytestmark = pytest.mark.integration


async def test_a_failed_run_and_a_stuck_one_are_found(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, simulator: object
) -> None:
    adv = f"73{uuid.uuid4().int % 10**17:017d}"
    tagged = TypedSearchAttributes([SearchAttributePair(ADVERTISER_ID, adv)])
    client = dev_env.client
    async with running_worker(client, store, cipher, simulator.base_url) as tq:  # type: ignore[attr-defined]
        failing = await client.start_workflow(
            "NoSuchType", {}, id=f"bad-{uuid.uuid4().hex[:6]}", task_queue=tq, search_attributes=tagged
        )
        with pytest.raises(Exception):  # noqa: B017 - the unknown type fails at once
            await failing.result()
    stuck = await client.start_workflow(  # no worker polls this queue: it stays Running
        OPTIMIZATION_CYCLE,
        {},
        id=f"stuck-{uuid.uuid4().hex[:6]}",
        task_queue="nobody",
        search_attributes=tagged,
    )
    found: list = []
    for _ in range(50):  # visibility is eventually consistent
        found = await workflow_problems(
            client, adv, datetime.now(UTC), stuck_after={OPTIMIZATION_CYCLE: timedelta(0)}
        )
        if len(found) >= 2:
            break
        await asyncio.sleep(0.2)
    await stuck.terminate("test done")
    kinds = sorted((a.kind, a.level, a.subject) for a in found)
    assert kinds == [("workflow_failed", "critical", failing.id), ("workflow_stuck", "warning", stuck.id)]
    quiet = await workflow_problems(client, f"74{uuid.uuid4().int % 10**17:017d}", datetime.now(UTC))
    assert quiet == []
