"""A misspelled workflow type fails at once, naming the types the worker has, instead of
sitting RUNNING with a failing workflow task."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from models.errors import UnknownWorkflowType
from store import Store, TokenCipher
from tests.workflows.helpers import running_worker


@pytest.mark.parametrize("typo", ["CampaignLanch", "DailyRepot"])
async def test_unknown_type_fails_naming_the_available_ones(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, simulator: Any, typo: str
) -> None:
    async with running_worker(ts_env.client, store, cipher, simulator.base_url) as tq:
        with pytest.raises(WorkflowFailureError) as info:
            await ts_env.client.execute_workflow(
                typo, {"advertiser_id": "1"}, id=f"typo-{uuid.uuid4().hex[:6]}", task_queue=tq
            )
    failure = UnknownWorkflowType.find(info.value)
    assert failure is not None and failure.non_retryable
    assert typo in failure.message and "CampaignLaunch" in failure.message
    assert (
        "DailyReport" in failure.message and "reserved" not in failure.message
    )  # every public type is built
