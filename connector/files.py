"""Videos and images: info lookups in TikTok's batch sizes, uploads once per key, processing polls."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from connector.client import TikTokClient
from connector.errors import InvalidRequest, Transient
from connector.heartbeat import sleep_with_heartbeat
from connector.management import id_batches, iter_pages
from models.tiktok import Image, Video

DUPLICATE_MATERIAL_NAME = 40911


def tagged_name(name: str, idempotency_key: str, max_len: int = 100) -> str:
    """``name`` with a short tag of the key (`` [ttads:<10 hex of its SHA-256>]``). TikTok
    refuses a second material with the same file name, so the tag makes a re-sent upload
    resolve to the first one while different launches' files never collide."""
    suffix = f" [ttads:{hashlib.sha256(idempotency_key.encode()).hexdigest()[:10]}]"
    return name[: max_len - len(suffix)] + suffix


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


async def _find_by_name(
    client: TikTokClient, advertiser_id: str, kind: str, file_name: str
) -> dict[str, Any] | None:
    model: type[BaseModel] = Video if kind == "video" else Image
    async for page in iter_pages(client, f"file/{kind}/ad/search/", advertiser_id=advertiser_id, model=model):
        for item in page:
            if getattr(item, "file_name", None) == file_name:
                return item.model_dump()
    return None


async def upload(
    client: TikTokClient,
    advertiser_id: str,
    kind: Literal["video", "image"],
    *,
    name: str,
    idempotency_key: str,
    url: str | None = None,
    content: bytes | None = None,
) -> Video | Image:
    """Upload a creative once per key: by URL or by file (MD5-signed).

    TikTok refuses a second material with the same ``file_name`` (40911), and the name
    carries the key's tag, so a repeated or ambiguous upload resolves to the first one.
    """
    file_name = tagged_name(name, idempotency_key)
    fields: dict[str, Any] = {"advertiser_id": advertiser_id, "file_name": file_name}
    files: dict[str, tuple[str, bytes, str]] = {}
    if url:
        fields |= {"upload_type": "UPLOAD_BY_URL", f"{kind}_url": url}
    elif content is not None:
        fields |= {"upload_type": "UPLOAD_BY_FILE", f"{kind}_signature": hashlib.md5(content).hexdigest()}
        mime = "video/mp4" if kind == "video" else "image/jpeg"
        files[f"{kind}_file"] = (name, content, mime)
    else:
        raise ValueError("upload needs a url or the file's content")
    model: type[Video] | type[Image] = Video if kind == "video" else Image
    try:
        data = await client.post_form(
            f"file/{kind}/ad/upload/",
            fields=fields,
            files=files,
            advertiser_id=advertiser_id,
            idempotency_key=idempotency_key,
        )
    except (InvalidRequest, Transient) as exc:
        duplicate = isinstance(exc, InvalidRequest) and exc.code == DUPLICATE_MATERIAL_NAME
        if not (duplicate or (isinstance(exc, Transient) and exc.sent)):
            raise
        found = await _find_by_name(client, advertiser_id, kind, file_name)
        if found is None:
            raise
        return model.model_validate(found)
    return model.model_validate(data[0] if isinstance(data, list) else data)


async def wait_until_displayable(
    client: TikTokClient,
    advertiser_id: str,
    video_id: str,
    *,
    give_up_after: float = 600.0,
    sleep: Callable[[float], Awaitable[None]] = sleep_with_heartbeat,
) -> Video:
    """Poll ``file/video/ad/info/`` (1 s doubling to 30 s) until TikTok finished processing."""
    delay, waited = 1.0, 0.0
    while True:
        found = await video_info(client, advertiser_id, [video_id])
        if found and found[0].model_extra and found[0].model_extra.get("displayable") is not False:
            return found[0]
        if waited >= give_up_after:
            raise Transient(f"video {video_id} still processing after {waited:.0f} s")
        await sleep(delay)
        waited += delay
        delay = min(delay * 2, 30.0)
