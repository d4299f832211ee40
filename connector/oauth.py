"""OAuth against TikTok: exchange an auth code, refresh a token pair."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from connector.client import TikTokClient


class TokenGrant(BaseModel):
    """What ``oauth2/access_token/`` and ``oauth2/refresh_token/`` answer.

    TikTok's Marketing API today issues long-term tokens (no expiry, no refresh token);
    the spec's flow issues 24 h access and 1 year refresh tokens. Both parse here.
    """

    access_token: str
    refresh_token: str | None = None
    access_token_expire_in: int | None = None
    refresh_token_expire_in: int | None = None
    advertiser_ids: list[str] = Field(default_factory=list)
    scope: list[int] = Field(default_factory=list)

    def __repr__(self) -> str:
        expires = self.access_token_expire_in
        return f"TokenGrant(advertisers={self.advertiser_ids}, expires_in={expires}, <hidden>)"

    __str__ = __repr__

    def access_expires_at(self, now: datetime) -> datetime | None:
        return now + timedelta(seconds=self.access_token_expire_in) if self.access_token_expire_in else None

    def refresh_expires_at(self, now: datetime) -> datetime | None:
        return now + timedelta(seconds=self.refresh_token_expire_in) if self.refresh_token_expire_in else None


async def exchange_auth_code(client: TikTokClient, app_id: str, secret: str, auth_code: str) -> TokenGrant:
    data = await client.post(
        "oauth2/access_token/", body={"app_id": app_id, "secret": secret, "auth_code": auth_code}
    )
    return TokenGrant.model_validate(data)


async def refresh_tokens(client: TikTokClient, app_id: str, secret: str, refresh_token: str) -> TokenGrant:
    data = await client.post(
        "oauth2/refresh_token/",
        body={
            "app_id": app_id,
            "secret": secret,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        },
    )
    return TokenGrant.model_validate(data)
