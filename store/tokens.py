"""Encrypted OAuth tokens per advertiser. Plain tokens exist only in memory of the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.errors import TokenNotFound
from models.tables import OAuthTokenRow, utcnow
from store.crypto import TokenCipher

__all__ = ["TokenNotFound", "Tokens", "load_tokens", "save_tokens"]


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
