"""Campaigns, ad groups, ads and advertiser info: paginated readers for the mirror.

Functions take the advertiser id; the client resolves its token (``token=`` overrides).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from connector.client import TikTokClient
from models.tiktok import Ad, AdGroup, Advertiser, Campaign, PageInfo

T = TypeVar("T", bound=BaseModel)

PAGE_SIZE = 100  # TikTok allows up to 1000 on some endpoints; 100 keeps answers small.
MIRROR_PAGE_SIZE = 1000  # reading a whole account: TikTok's largest page, a tenth of the calls
MAX_IDS_PER_FILTER = 100


async def iter_pages(
    client: TikTokClient,
    path: str,
    *,
    advertiser_id: str,
    model: type[T],
    params: Mapping[str, Any] | None = None,
    token: str | None = None,
    page_size: int = PAGE_SIZE,
) -> AsyncIterator[list[T]]:
    """Yield each page of a ``*/get/`` list until ``page_info.total_page`` is reached."""
    page = 1
    while True:
        data = await client.get(
            path,
            advertiser_id=advertiser_id,
            token=token,
            params={"advertiser_id": advertiser_id, **(params or {}), "page": page, "page_size": page_size},
        )
        items = [model.model_validate(item) for item in (data or {}).get("list", [])]
        yield items
        info = PageInfo.model_validate((data or {}).get("page_info", {}))
        if page >= info.total_page or not items:
            return
        page += 1


async def list_all(
    client: TikTokClient,
    path: str,
    advertiser_id: str,
    model: type[T],
    *,
    params: Mapping[str, Any] | None = None,
    token: str | None = None,
) -> list[T]:
    out: list[T] = []
    async for items in iter_pages(
        client, path, advertiser_id=advertiser_id, model=model, params=params, token=token
    ):
        out.extend(items)
    return out


async def get_advertiser(client: TikTokClient, advertiser_id: str, *, token: str | None = None) -> Advertiser:
    data = await client.get(
        "advertiser/info/",
        advertiser_id=advertiser_id,
        token=token,
        params={"advertiser_ids": [advertiser_id]},
    )
    items = (data or {}).get("list", [])
    return Advertiser.model_validate(items[0]) if items else Advertiser(advertiser_id=advertiser_id)


async def list_campaigns(
    client: TikTokClient, advertiser_id: str, *, token: str | None = None
) -> list[Campaign]:
    return await list_all(client, "campaign/get/", advertiser_id, Campaign, token=token)


async def list_adgroups(
    client: TikTokClient, advertiser_id: str, *, token: str | None = None
) -> list[AdGroup]:
    return await list_all(client, "adgroup/get/", advertiser_id, AdGroup, token=token)


async def list_ads(client: TikTokClient, advertiser_id: str, *, token: str | None = None) -> list[Ad]:
    return await list_all(client, "ad/get/", advertiser_id, Ad, token=token)


def id_batches(ids: Sequence[str], size: int = MAX_IDS_PER_FILTER) -> list[list[str]]:
    """Split ids into filter-sized batches (TikTok accepts at most 100 ids per filter)."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]
