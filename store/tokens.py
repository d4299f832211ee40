"""Encrypted OAuth tokens per advertiser. Plain tokens exist only in memory of the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import OAuthTokenRow, utcnow
from store.crypto import TokenCipher


class TokenNotFound(LookupError):
    """No token is stored for this advertiser: it was never connected."""


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
        access_expires_at=row.access_expires_at,
        refresh_expires_at=row.refresh_expires_at,
        version=row.version,
    )
