"""Uploaded videos and images: info lookups in TikTok's batch sizes."""

from __future__ import annotations

from collections.abc import Sequence

from connector.client import TikTokClient
from connector.management import id_batches
from models.tiktok import Image, Video

VIDEO_INFO_MAX_IDS = 60
IMAGE_INFO_MAX_IDS = 100


async def video_info(
    client: TikTokClient, advertiser_id: str, ids: Sequence[str], *, token: str | None = None
) -> list[Video]:
    out: list[Video] = []
    for batch in id_batches(ids, VIDEO_INFO_MAX_IDS):
        data = await client.get(
            "file/video/ad/info/",
            advertiser_id=advertiser_id,
            token=token,
            params={"advertiser_id": advertiser_id, "video_ids": batch},
        )
        out.extend(Video.model_validate(v) for v in _items(data))
    return out


async def image_info(
    client: TikTokClient, advertiser_id: str, ids: Sequence[str], *, token: str | None = None
) -> list[Image]:
    out: list[Image] = []
    for batch in id_batches(ids, IMAGE_INFO_MAX_IDS):
        data = await client.get(
            "file/image/ad/info/",
            advertiser_id=advertiser_id,
            token=token,
            params={"advertiser_id": advertiser_id, "image_ids": batch},
        )
        out.extend(Image.model_validate(v) for v in _items(data))
    return out


def _items(data: object) -> list[dict[str, object]]:
    """``info`` endpoints answer ``{"list": [...]}``; tolerate a bare list too."""
    if isinstance(data, dict):
        return list(data.get("list", []))
    if isinstance(data, list):
        return list(data)
    return []
