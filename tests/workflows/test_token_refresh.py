"""TokenRefresh on the time-skipping server: it sleeps until 30 minutes before expiry,
refreshes through the simulator, continues as new; a revoked long-term token fails it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from connector import TikTokClient
from models.errors import AuthorizationFailed
from models.recovery_tables import AlertRow
from models.workflows import TokenRefreshInput, TokenRefreshStatus
from store import Store, TokenCipher
from store.tokens import load_tokens
from tests.connector.sim import ADV, TOKEN, stats
from tests.tokenutil import APP_ID, APP_SECRET, connect_with_auth_code
from tests.workflows.helpers import connect_advertiser, running_worker
from workflows.token_refresh import TokenRefresh


async def test_refreshes_before_expiry_and_keeps_going(
    own_ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any
) -> None:
    ts_env = own_ts_env
    base = fresh_simulator.base_url
    start = await ts_env.get_current_time()
    first = await connect_with_auth_code(base, store, cipher, ADV, now=start)
    async with store.session() as s:
        stored = (await load_tokens(s, cipher, ADV)).version
    async with running_worker(ts_env.client, store, cipher, base) as tq:
        handle = await ts_env.client.start_workflow(
            TokenRefresh.run,
            TokenRefreshInput(advertiser_id=ADV),
            id=f"token-refresh-{uuid.uuid4().hex[:6]}",
            task_queue=tq,
        )
        await ts_env.sleep(timedelta(hours=1))
        waiting = await handle.query(TokenRefresh.status, result_type=TokenRefreshStatus)
        await ts_env.sleep(timedelta(hours=23, minutes=10))  # past the 23.5 h mark
        after = await handle.query(TokenRefresh.status, result_type=TokenRefreshStatus)
        await handle.terminate("test done")

    assert waiting.phase.startswith("waiting until 30 minutes before")
    assert waiting.next_action_at is not None
    assert abs(waiting.next_action_at - (start + timedelta(hours=23, minutes=30))) < timedelta(minutes=1)
    async with store.session() as s:
        now = await load_tokens(s, cipher, ADV)
    assert now.version == stored + 1 and now.access_token != first.access_token
    paths = (await stats(base))["requests_by_path"]
    assert sum(n for p, n in paths.items() if "refresh_token" in p) == 1
    assert paths.get("advertiser/info/", 0) >= 2  # a health call at the start of each run
    # The next cycle (a new run) waits for the new token's expiry, a day later.
    assert after.token is not None and after.token.version == stored + 1
    assert after.next_action_at is not None and after.next_action_at > waiting.next_action_at + timedelta(
        hours=23
    )


async def test_revoked_long_term_token_fails_the_workflow(
    own_ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any
) -> None:
    ts_env = own_ts_env  # it skips a day: see own_ts_env
    base = fresh_simulator.base_url
    await connect_advertiser(store, cipher, ADV, TOKEN)  # long-term: no expiry
    async with TikTokClient(base) as raw:
        await raw.post(
            "oauth2/revoke_token/", body={"app_id": APP_ID, "secret": APP_SECRET, "access_token": TOKEN}
        )
    wid = f"token-refresh-{uuid.uuid4().hex[:6]}"
    async with running_worker(ts_env.client, store, cipher, base) as tq:
        with pytest.raises(WorkflowFailureError) as info:
            await ts_env.client.execute_workflow(
                TokenRefresh.run, TokenRefreshInput(advertiser_id=ADV), id=wid, task_queue=tq
            )
    cause = AuthorizationFailed.find(info.value)
    assert cause is not None and cause.non_retryable
    async with store.session() as session:  # a critical alert went out before it failed
        alerts = (await session.execute(select(AlertRow).where(col(AlertRow.workflow_id) == wid))).scalars()
        assert [(a.kind, a.level) for a in alerts] == [("token_refresh_failed", "critical")]
