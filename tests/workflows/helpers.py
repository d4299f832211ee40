"""Running the real worker (real activities, connector, store) against a test Temporal."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from temporalio.client import Client
from temporalio.service import RPCError

from activities.context import Dependencies
from settings import Settings
from simulator import DEMO_ACCESS_TOKEN, DEMO_ADVERTISER_ID
from store import Store, TokenCipher, events
from store.tokens import save_tokens
from worker import build_worker

DEMO_ADVERTISER = DEMO_ADVERTISER_ID
DEMO_TOKEN = DEMO_ACCESS_TOKEN
CHANGE_LOG_KEY = "test-change-log-key"  # what the audit CLI must be given to verify the chains


@asynccontextmanager
async def running_worker(
    client: Client, store: Store, cipher: TokenCipher, base_url: str, **overrides: Any
) -> AsyncIterator[str]:
    """A worker on a fresh task queue with the service's own activities; yields the queue."""
    task_queue = f"tiktok-ads-test-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        tiktok_base_url=base_url,
        http_timeout_seconds=5.0,
        change_log_key=SecretStr(CHANGE_LOG_KEY),
        **{"worker_graceful_shutdown_seconds": 20, **overrides},
    )
    deps = Dependencies.build(settings, store=store, cipher=cipher)
    started = datetime.now(UTC) - timedelta(seconds=1)
    try:
        async with build_worker(client, deps, task_queue):
            try:
                yield task_queue
            finally:
                await stop_recoveries(client, store, started)
    finally:
        await deps.tiktok.aclose()
        await deps.oauth.aclose()


async def stop_recoveries(client: Client, store: Store, since: datetime) -> None:
    """Terminate the recoveries a test's cycles handed rejected ads to and left running: their
    queue dies with the test's worker, and a run with tasks on a dead queue stops the
    time-skipping server from skipping time for every later test."""
    async with store.session() as session:
        running = await events.unfinished(session, since)
    for workflow_id in running:
        with contextlib.suppress(RPCError):
            await client.get_workflow_handle(workflow_id).terminate("test teardown")


async def connect_advertiser(store: Store, cipher: TokenCipher, advertiser_id: str, token: str) -> None:
    async with store.session() as s:
        await save_tokens(s, cipher, advertiser_id=advertiser_id, app_id="demo-app", access_token=token)
