"""Campaigns, ad groups, ads and advertiser info: paginated readers for the mirror."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from connector.client import TikTokClient
from models.tiktok import Ad, AdGroup, Advertiser, Campaign, PageInfo

T = TypeVar("T", bound=BaseModel)

PAGE_SIZE = 100  # TikTok allows up to 1000 on some endpoints; 100 keeps answers small.
MAX_IDS_PER_FILTER = 100


async def iter_pages(
    client: TikTokClient,
    path: str,
    *,
    token: str,
    params: Mapping[str, Any],
    model: type[T],
    page_size: int = PAGE_SIZE,
) -> AsyncIterator[list[T]]:
    """Yield each page of a ``*/get/`` list until ``page_info.total_page`` is reached."""
    page = 1
    while True:
        data = await client.get(path, token=token, params={**params, "page": page, "page_size": page_size})
        items = [model.model_validate(item) for item in (data or {}).get("list", [])]
        yield items
        info = PageInfo.model_validate((data or {}).get("page_info", {}))
        if page >= info.total_page or not items:
            return
        page += 1


async def _all(
    client: TikTokClient, path: str, token: str, params: Mapping[str, Any], model: type[T]
) -> list[T]:
    out: list[T] = []
    async for items in iter_pages(client, path, token=token, params=params, model=model):
        out.extend(items)
    return out


async def get_advertiser(client: TikTokClient, token: str, advertiser_id: str) -> Advertiser:
    data = await client.get("advertiser/info/", token=token, params={"advertiser_ids": [advertiser_id]})
    items = (data or {}).get("list", [])
    return Advertiser.model_validate(items[0]) if items else Advertiser(advertiser_id=advertiser_id)


async def list_campaigns(client: TikTokClient, token: str, advertiser_id: str) -> list[Campaign]:
    return await _all(client, "campaign/get/", token, {"advertiser_id": advertiser_id}, Campaign)


async def list_adgroups(client: TikTokClient, token: str, advertiser_id: str) -> list[AdGroup]:
    return await _all(client, "adgroup/get/", token, {"advertiser_id": advertiser_id}, AdGroup)


async def list_ads(client: TikTokClient, token: str, advertiser_id: str) -> list[Ad]:
    return await _all(client, "ad/get/", token, {"advertiser_id": advertiser_id}, Ad)


def id_batches(ids: Sequence[str], size: int = MAX_IDS_PER_FILTER) -> list[list[str]]:
    """Split ids into filter-sized batches (TikTok accepts at most 100 ids per filter)."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]
