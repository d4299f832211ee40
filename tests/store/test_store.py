"""Store: migrations on SQLite and PostgreSQL, encrypted tokens, mirror upserts, change log."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, select, text

from models.tables import AdvertiserRow, CampaignRow, OAuthTokenRow
from models.tiktok import Campaign
from store import Store, TokenCipher, TokenKeyMissing
from store.crypto import TokenDecryptError
from store.mirror import upsert_campaigns
from store.tokens import TokenNotFound, load_tokens, save_tokens
from tests.dbutil import (
    configured_url,
    fresh_postgres,
    postgres_server,
    sqlite_url,
)

TABLES = {
    "advertiser",
    "oauth_token",
    "campaign",
    "adgroup",
    "ad",
    "creative",
    "change_log",
    "tenant",
    "app_user",
    "membership",
    "notification",
    "launch_template",
    "creation_claim",
    "change_chain",
    "report_stat",
    "experiment",
    "prior_fit",
    "cycle_run",
    "webhook_event",
    "creative_pool",
    "review_watch",
    "recovery",
    "lead",
    "alert",
    "approval_key",
    "slack_user",
    "audience_progress",
    "audience_feed",
    "audience_job",
    "privacy_request",
    "daily_stat",
    "report_day",
}


async def _tables(store: Store) -> set[str]:
    async with store.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names())) - {"alembic_version"}


async def _migrate_up_down_up(url: str) -> None:
    store = Store(url)
    try:
        await store.migrate()
        assert await _tables(store) == TABLES
        await store.downgrade("base")
        assert await _tables(store) == set()
        await store.migrate()
        assert await _tables(store) == TABLES
    finally:
        await store.dispose()


async def test_migrations_sqlite(tmp_path: Path) -> None:
    await _migrate_up_down_up(sqlite_url(tmp_path))


async def test_migrations_postgres() -> None:
    server = await postgres_server()
    async with fresh_postgres(server) as url:
        await _migrate_up_down_up(url)


async def test_replicas_migrating_together_take_turns() -> None:
    """Two workers starting at once against an empty PostgreSQL database both come up."""
    import asyncio

    server = await postgres_server()
    async with fresh_postgres(server) as url:
        stores = [Store(url) for _ in range(3)]
        try:
            await asyncio.wait_for(asyncio.gather(*(s.migrate() for s in stores)), 60)  # racing: deadlock
            assert await _tables(stores[0]) == TABLES
        finally:
            for s in stores:
                await s.dispose()


async def test_tokens_are_encrypted_at_rest(store: Store, cipher: TokenCipher) -> None:
    async with store.session() as s:
        v1 = await save_tokens(s, cipher, advertiser_id="101", app_id="app", access_token="secret-AAA")
        v2 = await save_tokens(
            s, cipher, advertiser_id="101", app_id="app", access_token="secret-BBB", refresh_token="r-1"
        )
    assert (v1, v2) == (1, 2)
    async with store.session() as s:
        row = await s.get(OAuthTokenRow, "101")
        assert row is not None
        assert b"secret-BBB" not in row.access_token_enc
        tokens = await load_tokens(s, cipher, "101")
    assert (tokens.access_token, tokens.refresh_token, tokens.version) == ("secret-BBB", "r-1", 2)
    assert "secret" not in repr(tokens)
    other = TokenCipher(Fernet.generate_key())
    async with store.session() as s:
        with pytest.raises(TokenDecryptError):
            await load_tokens(s, other, "101")
        with pytest.raises(TokenNotFound):
            await load_tokens(s, cipher, "999999")


def test_missing_key_outside_dev_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TokenKeyMissing, match="TTADS_TOKEN_ENCRYPTION_KEY must be set"):
        TokenCipher.from_settings(None, "production", tmp_path)
    with pytest.raises(TokenKeyMissing, match="not a valid Fernet key"):
        TokenCipher.from_settings("too-short", "production", tmp_path)
    dev = TokenCipher.from_settings(None, "dev", tmp_path)
    again = TokenCipher.from_settings(None, "dev", tmp_path)
    assert again.decrypt(dev.encrypt("x")) == "x"  # the dev key persists across restarts
    assert (tmp_path / "token.key").stat().st_mode & 0o077 == 0


async def test_upsert_counts_and_is_idempotent(store: Store) -> None:
    def campaign(i: int, budget: float) -> Campaign:
        return Campaign(
            campaign_id=f"55{i}",
            advertiser_id="202",
            campaign_name=f"c{i}",
            budget=budget,
            extra_field="kept",
        )

    async with store.session() as s:
        first = await upsert_campaigns(s, [campaign(1, 100), campaign(2, 200)])
    async with store.session() as s:
        second = await upsert_campaigns(s, [campaign(1, 100), campaign(2, 250), campaign(3, 300)])
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)
    async with store.session() as s:
        stmt = select(CampaignRow).where(CampaignRow.advertiser_id == "202")
        rows = (await s.execute(stmt)).scalars().all()
    assert sorted((r.campaign_id, r.budget) for r in rows) == [("551", 100), ("552", 250), ("553", 300)]
    assert rows[0].raw["extra_field"] == "kept"


async def test_store_runs_on_the_configured_database(store: Store) -> None:
    """In CI DATABASE_URL is PostgreSQL: prove the session store really is that."""
    expected = "postgresql" if (configured_url() or "").startswith("postgresql") else "sqlite"
    assert store.dialect == expected
    async with store.session() as s:
        assert (await s.execute(text("SELECT 1"))).scalar() == 1
        s.add(AdvertiserRow(advertiser_id="404", name="x"))
