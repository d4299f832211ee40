"""Connecting an advertiser the way an operator would: consent page, auth code, exchange."""

from __future__ import annotations

from datetime import datetime

import httpx

from connector import TikTokClient
from connector.oauth import OAuthApp
from models.tables import utcnow
from models.tiktok import TokenGrant
from simulator import DEMO_APP_ID, DEMO_SECRET
from store import Store, TokenCipher
from store.tokens import store_grant

APP_ID, APP_SECRET = DEMO_APP_ID, DEMO_SECRET


def oauth(base_url: str) -> OAuthApp:
    return OAuthApp(TikTokClient(base_url), APP_ID, APP_SECRET)


async def connect_with_auth_code(
    base_url: str, store: Store, cipher: TokenCipher, advertiser_id: str, *, now: datetime | None = None
) -> TokenGrant:
    """Mint an auth code on the simulator's consent page, exchange it, store the tokens."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        code = (await http.get("/portal/auth", params={"app_id": APP_ID})).json()["auth_code"]
    app = oauth(base_url)
    try:
        grant = await app.exchange(code)
    finally:
        await app.aclose()
    async with store.session() as s:
        await store_grant(s, cipher, advertiser_id, APP_ID, grant, now or utcnow())
    return grant
