"""Activities of ``AdvertiserSync``: read one kind of object from TikTok, upsert the mirror.

Each activity does its own fetch and write, so the objects never travel through workflow
history: only the counts do. Each is idempotent (an upsert), so a retry is harmless.
"""

from __future__ import annotations

from temporalio import activity

from activities import names
from activities.context import Dependencies, tiktok_call
from connector import files, management
from models.workflows import SyncCounts
from store import mirror


class SyncActivities:
    """Bound to the worker's shared dependencies; registered as ``SyncActivities(deps).all()``."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    def all(self) -> list[object]:
        return [
            self.sync_advertiser_info,
            self.sync_campaigns,
            self.sync_adgroups,
            self.sync_ads,
            self.sync_creatives,
        ]

    @activity.defn(name=names.SYNC_ADVERTISER_INFO)
    async def sync_advertiser_info(self, advertiser_id: str) -> str | None:
        """Read ``advertiser/info/`` into the advertiser table; returns the account name."""
        token = await self.deps.access_token(advertiser_id)
        info = await tiktok_call(lambda: management.get_advertiser(self.deps.tiktok, token, advertiser_id))
        async with self.deps.store.session() as session:
            await mirror.upsert_advertiser(session, info)
        return info.name

    @activity.defn(name=names.SYNC_CAMPAIGNS)
    async def sync_campaigns(self, advertiser_id: str) -> SyncCounts:
        token = await self.deps.access_token(advertiser_id)
        items = await tiktok_call(lambda: management.list_campaigns(self.deps.tiktok, token, advertiser_id))
        async with self.deps.store.session() as session:
            return await mirror.upsert_campaigns(session, items)

    @activity.defn(name=names.SYNC_ADGROUPS)
    async def sync_adgroups(self, advertiser_id: str) -> SyncCounts:
        token = await self.deps.access_token(advertiser_id)
        items = await tiktok_call(lambda: management.list_adgroups(self.deps.tiktok, token, advertiser_id))
        async with self.deps.store.session() as session:
            return await mirror.upsert_adgroups(session, items)

    @activity.defn(name=names.SYNC_ADS)
    async def sync_ads(self, advertiser_id: str) -> SyncCounts:
        token = await self.deps.access_token(advertiser_id)
        items = await tiktok_call(lambda: management.list_ads(self.deps.tiktok, token, advertiser_id))
        async with self.deps.store.session() as session:
            return await mirror.upsert_ads(session, items)

    @activity.defn(name=names.SYNC_CREATIVES)
    async def sync_creatives(self, advertiser_id: str) -> dict[str, SyncCounts]:
        """Fetch the videos and images the mirrored ads use (``info`` in batches of 60/100)."""
        token = await self.deps.access_token(advertiser_id)
        async with self.deps.store.session() as session:
            video_ids, image_ids = await mirror.creative_ids_in_use(session, advertiser_id)
        tiktok = self.deps.tiktok
        videos = await tiktok_call(lambda: files.video_info(tiktok, token, advertiser_id, video_ids))
        images = await tiktok_call(lambda: files.image_info(tiktok, token, advertiser_id, image_ids))
        async with self.deps.store.session() as session:
            return {
                "videos": await mirror.upsert_creatives(session, advertiser_id, videos),
                "images": await mirror.upsert_creatives(session, advertiser_id, images),
            }
