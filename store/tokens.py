"""Advertiser tokens, all in one place: stored encrypted, handed to the connector, refreshed
once, connected from an OAuth consent. Plain tokens exist only in the caller's memory.

:class:`StoredTokens` is the connector's token source: it decrypts tokens from the store,
refreshes them 30 minutes before expiry or after TikTok rejects one, and serialises
refreshes so that a refresh token is never spent twice: an ``asyncio.Lock`` per advertiser
inside the process and a lease row in the store across processes. It refreshes through a
:class:`Refresher` (``connector.oauth.OAuthApp``), which has a client of its own.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.errors import AuthorizationFailed, TokenNotFound, Transient
from models.tables import OAuthTokenRow, utcnow
from models.tiktok import TokenGrant
from models.workflows import TokenState
from store.crypto import TokenCipher
from store.db import Store

__all__ = [
    "Refresher",
    "StoredTokens",
    "TokenNotFound",
    "Tokens",
    "connect_advertisers",
    "load_tokens",
    "save_tokens",
    "store_grant",
    "token_state",
]

REFRESH_MARGIN = timedelta(minutes=30)
LEASE = timedelta(seconds=60)
CACHE_SECONDS = 30.0


class Refresher(Protocol):
    """Exchanges codes and refresh tokens with TikTok for one app (``OAuthApp``)."""

    app_id: str

    async def exchange(self, auth_code: str) -> TokenGrant: ...

    async def refresh(self, refresh_token: str) -> TokenGrant: ...


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone-aware columns; they were written in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True, repr=False)
class Tokens:
    """Decrypted tokens; ``repr`` hides them so they cannot leak into logs."""

    advertiser_id: str
    app_id: str
    access_token: str
    refresh_token: str | None
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None
    version: int

    def __repr__(self) -> str:
        return f"Tokens(advertiser_id={self.advertiser_id!r}, expires={self.access_expires_at}, <hidden>)"


async def save_tokens(
    session: AsyncSession,
    cipher: TokenCipher,
    *,
    advertiser_id: str,
    app_id: str,
    access_token: str,
    refresh_token: str | None = None,
    access_expires_at: datetime | None = None,
    refresh_expires_at: datetime | None = None,
    scope: list[int] | None = None,
) -> int:
    """Store (or replace) an advertiser's tokens, encrypted; returns the new version."""
    row = await session.get(OAuthTokenRow, advertiser_id)
    if row is None:
        row = OAuthTokenRow(
            advertiser_id=advertiser_id, app_id=app_id, access_token_enc=b"", version=0, scope=[]
        )
        session.add(row)
    row.app_id = app_id
    row.access_token_enc = cipher.encrypt(access_token)
    row.refresh_token_enc = cipher.encrypt(refresh_token) if refresh_token else None
    row.access_expires_at = access_expires_at
    row.refresh_expires_at = refresh_expires_at
    row.scope = list(scope or [])
    row.refresh_lease_owner = None
    row.refresh_lease_until = None
    row.version += 1
    row.updated_at = utcnow()
    await session.flush()
    return row.version


async def load_tokens(session: AsyncSession, cipher: TokenCipher, advertiser_id: str) -> Tokens:
    row = await session.get(OAuthTokenRow, advertiser_id)
    if row is None:
        raise TokenNotFound(
            f"no TikTok token stored for advertiser {advertiser_id}: connect it first "
            "(starter.py token set or the OAuth flow)"
        )
    return Tokens(
        advertiser_id=row.advertiser_id,
        app_id=row.app_id,
        access_token=cipher.decrypt(row.access_token_enc),
        refresh_token=cipher.decrypt(row.refresh_token_enc) if row.refresh_token_enc else None,
        access_expires_at=as_utc(row.access_expires_at),
        refresh_expires_at=as_utc(row.refresh_expires_at),
        version=row.version,
    )


async def take_refresh_lease(
    session: AsyncSession, advertiser_id: str, *, version: int, owner: str, until: datetime, now: datetime
) -> bool:
    """Claim the right to refresh ``advertiser_id``'s tokens at ``version``; True if this caller won.

    A single conditional UPDATE, so it is atomic on SQLite and PostgreSQL alike: it fails
    when another process holds an unexpired lease or has already stored a newer version.
    """
    stmt = (
        update(OAuthTokenRow)
        .where(col(OAuthTokenRow.advertiser_id) == advertiser_id)
        .where(col(OAuthTokenRow.version) == version)
        .where(
            or_(
                col(OAuthTokenRow.refresh_lease_until).is_(None),
                col(OAuthTokenRow.refresh_lease_until) < now,
                col(OAuthTokenRow.refresh_lease_owner) == owner,
            )
        )
        .values(refresh_lease_owner=owner, refresh_lease_until=until)
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_refresh_lease(session: AsyncSession, advertiser_id: str, owner: str) -> None:
    await session.execute(
        update(OAuthTokenRow)
        .where(col(OAuthTokenRow.advertiser_id) == advertiser_id)
        .where(col(OAuthTokenRow.refresh_lease_owner) == owner)
        .values(refresh_lease_owner=None, refresh_lease_until=None)
    )


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


async def connect_advertisers(
    store: Store, cipher: TokenCipher, oauth: Refresher, auth_code: str
) -> list[str]:
    """Exchange a consent's auth code and store the tokens of every advertiser it grants."""
    grant = await oauth.exchange(auth_code)
    now = utcnow()
    async with store.session() as session:
        for advertiser_id in grant.advertiser_ids:
            await store_grant(session, cipher, advertiser_id, oauth.app_id, grant, now)
    return grant.advertiser_ids


class StoredTokens:
    """Token source backed by the store; one per worker process."""

    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        *,
        refresher: Refresher | None = None,
        app_id: str = "default",
        refresh_margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.refresher = refresher
        self.app_id = refresher.app_id if refresher is not None else app_id
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
        if self.refresher is None or tokens.refresh_token is None:
            raise AuthorizationFailed(f"advertiser {advertiser_id} has no refresh token to refresh with")
        try:
            grant = await self.refresher.refresh(tokens.refresh_token)
        except BaseException:
            async with self.store.session() as session:
                await release_refresh_lease(session, advertiser_id, self.owner)
            raise
        async with self.store.session() as session:
            await store_grant(session, self.cipher, advertiser_id, self.app_id, grant, now)
        return await self.load(advertiser_id, fresh=True)
