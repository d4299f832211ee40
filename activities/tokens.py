"""Advertiser tokens for the connector, and the activities of ``TokenRefresh``.

:class:`StoredTokens` is the connector's token source: it decrypts tokens from the store,
refreshes them 30 minutes before expiry or after TikTok rejects one, and serialises
refreshes so that a refresh token is never spent twice: an ``asyncio.Lock`` per
advertiser inside the process and a lease row in the store across processes.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from activities import names
from connector.client import TikTokClient
from connector.errors import AuthorizationFailed, Transient
from connector.management import get_advertiser
from connector.oauth import TokenGrant, refresh_tokens
from models.tables import utcnow
from models.workflows import TokenState
from store import Store, TokenCipher
from store.tokens import (
    Tokens,
    load_tokens,
    release_refresh_lease,
    save_tokens,
    take_refresh_lease,
)

REFRESH_MARGIN = timedelta(minutes=30)
LEASE = timedelta(seconds=60)
CACHE_SECONDS = 30.0


class StoredTokens:
    """Token source backed by the store; one per worker process."""

    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        *,
        app_id: str,
        app_secret: str,
        oauth_client: TikTokClient | None = None,
        refresh_margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.app_id = app_id
        self._secret = app_secret
        self.oauth_client = oauth_client
        self.refresh_margin = refresh_margin
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._locks: dict[str, asyncio.Lock] = {}
        self._cache: dict[str, tuple[float, Tokens]] = {}

    async def load(self, advertiser_id: str, *, fresh: bool = False) -> Tokens:
        cached = self._cache.get(advertiser_id)
        if cached and not fresh and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        async with self.store.session() as session:
            tokens = await load_tokens(session, self.cipher, advertiser_id)
        self._cache[advertiser_id] = (time.monotonic(), tokens)
        return tokens

    def due(self, tokens: Tokens, now: datetime) -> bool:
        """True when the access token expires within the refresh margin and can be refreshed."""
        return (
            tokens.refresh_token is not None
            and tokens.access_expires_at is not None
            and tokens.access_expires_at - now <= self.refresh_margin
        )

    async def access_token(self, advertiser_id: str) -> str:
        tokens = await self.load(advertiser_id)
        if self.due(tokens, utcnow()):
            tokens = await self.refresh(advertiser_id, tokens.version)
        return tokens.access_token

    async def refresh_after_rejection(self, advertiser_id: str, rejected_token: str) -> str:
        tokens = await self.load(advertiser_id, fresh=True)
        if tokens.access_token != rejected_token:
            return tokens.access_token  # another caller refreshed meanwhile
        if tokens.refresh_token is None:
            raise AuthorizationFailed(
                f"TikTok rejected the token of advertiser {advertiser_id} and it has no refresh token "
                "(long-term token revoked?): re-authorise the advertiser"
            )
        return (await self.refresh(advertiser_id, tokens.version)).access_token

    async def refresh(self, advertiser_id: str, seen_version: int, *, now: datetime | None = None) -> Tokens:
        """Refresh once per version: later callers get the result of the first.

        ``now`` anchors the new expiry times (an activity passes Temporal's scheduled time).
        """
        lock = self._locks.setdefault(advertiser_id, asyncio.Lock())
        async with lock:
            tokens = await self.load(advertiser_id, fresh=True)
            if tokens.version != seen_version:
                return tokens
            deadline = time.monotonic() + LEASE.total_seconds()
            while not await self._take_lease(advertiser_id, tokens.version):
                await asyncio.sleep(0.2)
                tokens = await self.load(advertiser_id, fresh=True)
                if tokens.version != seen_version:
                    return tokens  # another process refreshed
                if time.monotonic() > deadline:
                    raise Transient(f"token refresh of advertiser {advertiser_id} is held by another process")
            return await self._refresh_holding_lease(advertiser_id, tokens, now or utcnow())

    async def _take_lease(self, advertiser_id: str, version: int) -> bool:
        now = utcnow()
        async with self.store.session() as session:
            return await take_refresh_lease(
                session, advertiser_id, version=version, owner=self.owner, until=now + LEASE, now=now
            )

    async def _refresh_holding_lease(self, advertiser_id: str, tokens: Tokens, now: datetime) -> Tokens:
        if self.oauth_client is None or tokens.refresh_token is None:
            raise AuthorizationFailed(f"advertiser {advertiser_id} has no refresh token to refresh with")
        try:
            grant = await refresh_tokens(self.oauth_client, self.app_id, self._secret, tokens.refresh_token)
        except BaseException:
            async with self.store.session() as session:
                await release_refresh_lease(session, advertiser_id, self.owner)
            raise
        async with self.store.session() as session:
            await store_grant(session, self.cipher, advertiser_id, self.app_id, grant, now)
        return await self.load(advertiser_id, fresh=True)


async def store_grant(
    session: AsyncSession,
    cipher: TokenCipher,
    advertiser_id: str,
    app_id: str,
    grant: TokenGrant,
    now: datetime,
) -> None:
    """Store what TikTok granted (expiry times counted from ``now``), encrypted."""
    await save_tokens(
        session,
        cipher,
        advertiser_id=advertiser_id,
        app_id=app_id,
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        access_expires_at=grant.access_expires_at(now),
        refresh_expires_at=grant.refresh_expires_at(now),
        scope=grant.scope,
    )


def token_state(tokens: Tokens) -> TokenState:
    return TokenState(
        advertiser_id=tokens.advertiser_id,
        version=tokens.version,
        access_expires_at=tokens.access_expires_at,
        refresh_expires_at=tokens.refresh_expires_at,
        has_refresh_token=tokens.refresh_token is not None,
    )


class TokenActivities:
    """Activities of ``TokenRefresh``; tokens stay in the store, only their state is returned."""

    def __init__(self, tokens: StoredTokens, tiktok: TikTokClient) -> None:
        self.tokens = tokens
        self.tiktok = tiktok

    def all(self) -> list[object]:
        return [self.token_state, self.refresh_token, self.check_token]

    @activity.defn(name=names.TOKEN_STATE)
    async def token_state(self, advertiser_id: str) -> TokenState:
        return token_state(await self.tokens.load(advertiser_id, fresh=True))

    @activity.defn(name=names.REFRESH_TOKEN)
    async def refresh_token(self, advertiser_id: str) -> TokenState:
        """Refresh if still due (another path may have refreshed first); returns the new state.

        "Now" is the time Temporal scheduled this attempt, so expiry times agree with the
        workflow's clock (identical to the wall clock in production).
        """
        now = activity.info().current_attempt_scheduled_time
        current = await self.tokens.load(advertiser_id, fresh=True)
        if self.tokens.due(current, now):
            current = await self.tokens.refresh(advertiser_id, current.version, now=now)
        return token_state(current)

    @activity.defn(name=names.CHECK_TOKEN)
    async def check_token(self, advertiser_id: str) -> TokenState:
        """A health call with the token (``advertiser/info/``); a revoked token fails for good."""
        await get_advertiser(self.tiktok, advertiser_id)
        return token_state(await self.tokens.load(advertiser_id, fresh=True))
