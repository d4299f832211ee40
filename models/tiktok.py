"""TikTok Marketing API v1.3 response shapes the connector parses into.

Only the fields this service reads are typed; everything else TikTok sends is kept
(``extra="allow"``) so that the store's ``raw`` column holds the full object.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TikTokObject(BaseModel):
    """Base for API objects: unknown fields are kept, ids are strings."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    def raw(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Envelope(BaseModel):
    """``{"code", "message", "request_id", "data"}``: every answer TikTok gives."""

    model_config = ConfigDict(extra="allow")

    code: int
    message: str = ""
    request_id: str | None = None
    data: Any = None


class PageInfo(BaseModel):
    page: int = 1
    page_size: int = 10
    total_number: int = 0
    total_page: int = 0


class Advertiser(TikTokObject):
    advertiser_id: str
    name: str | None = None
    currency: str | None = None
    timezone: str | None = None
    status: str | None = None


class Campaign(TikTokObject):
    campaign_id: str
    advertiser_id: str
    campaign_name: str
    objective_type: str | None = None
    budget_mode: str | None = None
    budget: float | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    modify_time: str | None = None


class AdGroup(TikTokObject):
    adgroup_id: str
    campaign_id: str
    advertiser_id: str
    adgroup_name: str
    budget_mode: str | None = None
    budget: float | None = None
    bid_type: str | None = None
    conversion_bid_price: float | None = None
    optimization_goal: str | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    modify_time: str | None = None


class Ad(TikTokObject):
    ad_id: str
    adgroup_id: str
    campaign_id: str
    advertiser_id: str
    ad_name: str
    ad_text: str | None = None
    video_id: str | None = None
    image_ids: list[str] = Field(default_factory=list)
    call_to_action: str | None = None
    landing_page_url: str | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    modify_time: str | None = None


class Video(TikTokObject):
    video_id: str
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    size: int | None = None
    format: str | None = None
    signature: str | None = None


class Image(TikTokObject):
    image_id: str
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None
    format: str | None = None
    signature: str | None = None


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
