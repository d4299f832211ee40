"""OAuth against TikTok: exchange an auth code, refresh a token pair, for one developer app.

:class:`OAuthApp` owns its own client (OAuth calls carry the app's credentials, never an
advertiser's token), so the store's token source can refresh through it without a cycle
between the client and the tokens it uses.
"""

from __future__ import annotations

from connector.client import TikTokClient
from models.tiktok import TokenGrant

__all__ = ["OAuthApp", "TokenGrant"]


class OAuthApp:
    """One TikTok developer app: ``app_id`` and secret, and a client for ``oauth2/``."""

    def __init__(self, client: TikTokClient, app_id: str, secret: str) -> None:
        self.client = client
        self.app_id = app_id
        self._secret = secret

    def __repr__(self) -> str:
        return f"OAuthApp(app_id={self.app_id!r}, <secret hidden>)"

    async def exchange(self, auth_code: str) -> TokenGrant:
        """The tokens granted for a consent's ``auth_code``."""
        data = await self.client.post(
            "oauth2/access_token/",
            body={"app_id": self.app_id, "secret": self._secret, "auth_code": auth_code},
        )
        return TokenGrant.model_validate(data)

    async def refresh(self, refresh_token: str) -> TokenGrant:
        """A new token pair for ``refresh_token`` (which TikTok then retires)."""
        data = await self.client.post(
            "oauth2/refresh_token/",
            body={
                "app_id": self.app_id,
                "secret": self._secret,
                "refresh_token": refresh_token,
                "grant_type": "refresh_token",
            },
        )
        return TokenGrant.model_validate(data)

    async def aclose(self) -> None:
        await self.client.aclose()
