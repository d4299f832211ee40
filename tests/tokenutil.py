"""Connecting an advertiser the way an operator would: consent page, auth code, exchange."""

from __future__ import annotations

from datetime import datetime

import httpx

from connector import TikTokClient
from connector.oauth import TokenGrant, exchange_auth_code
from models.tables import utcnow
from store import Store, TokenCipher
from store.tokens import save_tokens

APP_ID, APP_SECRET = "demo-app", "demo-secret"


async def connect_with_auth_code(
    base_url: str, store: Store, cipher: TokenCipher, advertiser_id: str, *, now: datetime | None = None
) -> TokenGrant:
    """Mint an auth code on the simulator's consent page, exchange it, store the tokens."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        code = (await http.get("/portal/auth", params={"app_id": APP_ID})).json()["auth_code"]
    async with TikTokClient(base_url) as client:
        grant = await exchange_auth_code(client, APP_ID, APP_SECRET, code)
    stamp = now or utcnow()
    async with store.session() as s:
        await save_tokens(
            s,
            cipher,
            advertiser_id=advertiser_id,
            app_id=APP_ID,
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            access_expires_at=grant.access_expires_at(stamp),
            refresh_expires_at=grant.refresh_expires_at(stamp),
            scope=grant.scope,
        )
    return grant
