"""Activities of ``AdvertiserSync``: read one kind of object from TikTok, upsert the mirror.

Each activity writes every page to the store as it arrives, so objects never travel
through workflow history (only counts do) and memory stays bounded by one page. Each is
idempotent (an upsert), so a retry is harmless; each page heartbeats its progress.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import MirrorSync
from connector import files, management
from models.tiktok import Ad, AdGroup, Campaign
from models.workflows import SyncCounts
from store import mirror

T = TypeVar("T", bound=BaseModel)
Upsert = Callable[[AsyncSession, Sequence[T]], Awaitable[SyncCounts]]


async def mirror_pages(
    deps: Dependencies, advertiser_id: str, path: str, model: type[T], upsert: Upsert[T]
) -> SyncCounts:
    """Read one kind of object from TikTok into the mirror, writing each page as it arrives
    and heartbeating its progress (AdvertiserSync's steps and the cycle's refresh)."""
    total = SyncCounts()
    pages = management.iter_pages(
        deps.tiktok, path, advertiser_id=advertiser_id, model=model, page_size=management.MIRROR_PAGE_SIZE
    )
    page_no = 0
    while True:
        try:
            items = await anext(pages)
        except StopAsyncIteration:
            return total
        page_no += 1
        async with deps.store.session() as session:
            total = total + await upsert(session, items)
        activity.heartbeat({"page": page_no, "fetched": total.fetched})


class SyncActivities(MirrorSync):
    """Bound to the worker's shared dependencies."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    @activity.defn
    async def sync_advertiser_info(self, advertiser_id: str) -> str | None:
        """Read ``advertiser/info/`` into the advertiser table; returns the account name."""
        info = await management.get_advertiser(self.deps.tiktok, advertiser_id)
        async with self.deps.store.session() as session:
            await mirror.upsert_advertiser(session, info)
        return info.name

    @activity.defn
    async def sync_campaigns(self, advertiser_id: str) -> SyncCounts:
        return await mirror_pages(
            self.deps, advertiser_id, "campaign/get/", Campaign, mirror.upsert_campaigns
        )

    @activity.defn
    async def sync_adgroups(self, advertiser_id: str) -> SyncCounts:
        return await mirror_pages(self.deps, advertiser_id, "adgroup/get/", AdGroup, mirror.upsert_adgroups)

    @activity.defn
    async def sync_ads(self, advertiser_id: str) -> SyncCounts:
        return await mirror_pages(self.deps, advertiser_id, "ad/get/", Ad, mirror.upsert_ads)

    @activity.defn
    async def sync_creatives(self, advertiser_id: str) -> dict[str, SyncCounts]:
        """Fetch the videos and images the mirrored ads use (``info`` in batches of 60/100)."""
        async with self.deps.store.session() as session:
            video_ids, image_ids = await mirror.creative_ids_in_use(session, advertiser_id)
        tiktok = self.deps.tiktok
        videos = await files.video_info(tiktok, advertiser_id, video_ids)
        images = await files.image_info(tiktok, advertiser_id, image_ids)
        async with self.deps.store.session() as session:
            return {
                "videos": await mirror.upsert_creatives(session, advertiser_id, videos),
                "images": await mirror.upsert_creatives(session, advertiser_id, images),
            }
