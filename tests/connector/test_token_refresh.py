"""Token refresh: on demand after TikTok rejects an expired token, serialised so that a
refresh token is spent once even when two processes' callers race; proactive 30 minutes
before expiry; and a revoked long-term token is reported, not retried forever."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from connector import AuthorizationFailed, TikTokClient
from connector.client import RetrySettings
from connector.management import list_campaigns
from models.tables import utcnow
from store import Store, TokenCipher
from store.tokens import StoredTokens, load_tokens, save_tokens
from tests.connector.sim import ADV, TOKEN, admin, stats
from tests.tokenutil import APP_ID, APP_SECRET, connect_with_auth_code, oauth


def _process(base_url: str, store: Store, cipher: TokenCipher) -> TikTokClient:
    """One worker process's view: its own clients and token source over the shared store."""
    tokens = StoredTokens(store, cipher, refresher=oauth(base_url))
    return TikTokClient(base_url, tokens=tokens, retry=RetrySettings(max_attempts=1))


def _refresh_calls(s: dict[str, Any]) -> int:
    return sum(n for path, n in s["requests_by_path"].items() if "refresh_token" in path)


async def test_racing_callers_in_two_processes_refresh_once(
    fresh_simulator: Any, store: Store, cipher: TokenCipher
) -> None:
    base = fresh_simulator.base_url
    first = await connect_with_auth_code(base, store, cipher, ADV)
    async with store.session() as s:
        stored = (await load_tokens(s, cipher, ADV)).version
    await admin(base, "POST", "advance", {"hours": 25})  # TikTok's clock: the access token has expired
    a, b = _process(base, store, cipher), _process(base, store, cipher)
    try:
        results = await asyncio.gather(*(list_campaigns(c, ADV) for c in (a, b, a, b, a, b, a, b)))
    finally:
        await a.aclose()
        await b.aclose()
    assert all(len(r) == len(results[0]) > 0 for r in results)
    assert _refresh_calls(await stats(base)) == 1  # the refresh token was spent once
    async with store.session() as s:
        now = await load_tokens(s, cipher, ADV)
    assert now.version == stored + 1 and now.access_token != first.access_token
    assert now.refresh_token != first.refresh_token


async def test_proactive_refresh_30_minutes_before_expiry(
    fresh_simulator: Any, store: Store, cipher: TokenCipher
) -> None:
    base = fresh_simulator.base_url
    await connect_with_auth_code(base, store, cipher, ADV, now=utcnow() - timedelta(hours=23, minutes=40))
    client = _process(base, store, cipher)
    try:
        await list_campaigns(client, ADV)
    finally:
        await client.aclose()
    s = await stats(base)
    assert _refresh_calls(s) == 1
    assert s["codes"].get("40102", 0) == 0  # refreshed before TikTok had to refuse anything


async def test_revoked_long_term_token_is_reported(
    fresh_simulator: Any, store: Store, cipher: TokenCipher
) -> None:
    base = fresh_simulator.base_url
    async with store.session() as s:
        await save_tokens(s, cipher, advertiser_id=ADV, app_id=APP_ID, access_token=TOKEN)
    async with TikTokClient(base) as raw:
        await raw.post(
            "oauth2/revoke_token/", body={"app_id": APP_ID, "secret": APP_SECRET, "access_token": TOKEN}
        )
    client = _process(base, store, cipher)
    try:
        with pytest.raises(AuthorizationFailed, match="re-authorise"):
            await list_campaigns(client, ADV)
    finally:
        await client.aclose()
