"""Creative uploads: ``file/video/ad/*`` and ``file/image/ad/*`` (multipart/form-data).

Nothing is fetched for ``UPLOAD_BY_URL``: metadata is derived from the URL's hash. Bytes are
not kept, only their metadata. A new video is "processing" until it has been looked up
``video_processing_checks`` times or ``video_processing_seconds`` have passed (scenario),
during which ``displayable`` is false and ``ad/create/`` refuses it with 40901.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from fastapi import APIRouter

from simulator import errors
from simulator.api import ApiContext, endpoint, paginate
from simulator.enums import UPLOAD_TYPES_IMAGE, UPLOAD_TYPES_VIDEO
from simulator.errors import ApiError, missing, param_error
from simulator.media import VideoMeta, fake_image_size, fake_video_meta, image_size, mp4_meta
from simulator.params import id_filter
from simulator.state import Material

router = APIRouter()

MAX_VIDEO_BYTES = 500 * 1024 * 1024
MAX_IMAGE_BYTES = 50 * 1024 * 1024


def material_ready(material: Material) -> bool:
    return material.checks_left <= 0 or time.time() >= material.ready_at_wall


def video_view(material: Material) -> dict[str, Any]:
    view = dict(material.public)
    view["displayable"] = material_ready(material)
    return view


async def _read_upload(
    ctx: ApiContext, file_field: str, signature_field: str, limit: int
) -> tuple[bytes, str]:
    upload = ctx.files.get(file_field)
    if upload is None:
        raise missing(file_field)
    data = await upload.read()
    if not data:
        raise ApiError(errors.FILE_EMPTY, "The file is empty.")
    if len(data) > limit:
        raise ApiError(errors.FILE_TOO_LARGE, "The file is too large.")
    signature = ctx.params.req_str(signature_field).lower()
    digest = hashlib.md5(data).hexdigest()
    if signature != digest:
        raise ApiError(
            errors.SIGNATURE_ERROR,
            f"The signature we calculated does not match the {signature_field} you provided for the file.",
        )
    return data, digest


def _file_name(ctx: ApiContext, table: dict[str, Material], default: str) -> str:
    """The explicit ``file_name`` (40911 when taken) or a free variant of ``default``."""
    taken = {m.public.get("file_name") for m in table.values() if m.advertiser_id == ctx.advertiser_id}
    explicit = ctx.params.string("file_name", max_len=100)
    if explicit is not None:
        if explicit in taken:
            raise ApiError(
                errors.DUPLICATED_MATERIAL_NAME, f"The material's name has a duplicate: {explicit}."
            )
        return explicit
    name, counter = default, 1
    while name in taken:
        counter += 1
        stem, dot, ext = default.rpartition(".")
        name = f"{stem}_{counter}.{ext}" if dot else f"{default}_{counter}"
    return name


@endpoint(router, "POST", "file/video/ad/upload/", mutating=True)
async def upload_video(ctx: ApiContext) -> list[dict[str, Any]]:
    """Upload a video by file (MD5-checked), by URL, or as a copy of an existing video id."""
    upload_type = ctx.params.enum("upload_type", UPLOAD_TYPES_VIDEO, default="UPLOAD_BY_FILE")
    state = ctx.state
    if upload_type == "UPLOAD_BY_FILE":
        data, digest = await _read_upload(ctx, "video_file", "video_signature", MAX_VIDEO_BYTES)
        upload = ctx.files["video_file"]
        meta = mp4_meta(data) or fake_video_meta(digest)
        size, default_name = len(data), upload.filename or f"video_{digest[:8]}.{meta.format}"
    elif upload_type == "UPLOAD_BY_URL":
        url = ctx.params.req_str("video_url")
        digest = hashlib.md5(url.encode()).hexdigest()
        meta = fake_video_meta(digest)
        size = 500_000 + int(digest[:6], 16) % 9_500_000
        default_name = url.rstrip("/").rsplit("/", 1)[-1] or f"video_{digest[:8]}.mp4"
    elif upload_type == "UPLOAD_BY_VIDEO_ID":
        source_id = ctx.params.req_str("video_id")
        source = state.videos.get(source_id)
        if source is None or source.advertiser_id != ctx.advertiser_id:
            raise param_error("video_id", f"Video {source_id} does not exist.")
        digest = str(source.public["signature"])
        pub = source.public
        meta = VideoMeta(int(pub["width"]), int(pub["height"]), float(pub["duration"]), str(pub["format"]))
        size, default_name = int(pub["size"]), str(pub["file_name"])
    else:
        raise ApiError(errors.NOT_EXIST, "The file does not exist.")
    file_name = _file_name(ctx, state.videos, default_name)
    video_id = f"v10033g50000{state.next_hash('video')}"
    now = state.now_str()
    public = {
        "video_id": video_id,
        "material_id": state.next_id("material"),
        "file_name": file_name,
        "width": meta.width,
        "height": meta.height,
        "duration": meta.duration,
        "size": size,
        "format": meta.format,
        "bit_rate": int(size * 8 / max(meta.duration, 0.1)),
        "signature": digest,
        "video_cover_url": f"https://sim.invalid/video/{video_id}/cover.jpg",
        "preview_url": f"https://sim.invalid/video/{video_id}/preview.mp4",
        "allowed_placements": ["PLACEMENT_TIKTOK", "PLACEMENT_PANGLE"],
        "allow_download": True,
        "create_time": now,
        "modify_time": now,
    }
    material = Material(
        advertiser_id=ctx.advertiser_id,
        public=public,
        checks_left=state.scenario.video_processing_checks,
        ready_at_wall=time.time() + state.scenario.video_processing_seconds,
    )
    state.videos[video_id] = material
    ctx.sim.stats.created["video"] += 1
    return [video_view(material)]


def _lookup(ctx: ApiContext, table: dict[str, Material], ids_field: str, max_len: int) -> list[Material]:
    ids = ctx.params.id_list(ids_field, required=True, max_len=max_len) or []
    found = []
    for material_id in ids:
        material = table.get(material_id)
        if material is not None and material.advertiser_id == ctx.advertiser_id:
            material.checks_left -= 1
            found.append(material)
    return found


@endpoint(router, "GET", "file/video/ad/info/")
async def video_info(ctx: ApiContext) -> dict[str, Any]:
    """Up to 60 videos by id (unknown ids are left out)."""
    return {"list": [video_view(m) for m in _lookup(ctx, ctx.state.videos, "video_ids", 60)]}


@endpoint(router, "POST", "file/image/ad/upload/", mutating=True)
async def upload_image(ctx: ApiContext) -> dict[str, Any]:
    """Upload a JPG/PNG by file (MD5-checked, size read from its header) or by URL."""
    upload_type = ctx.params.enum("upload_type", UPLOAD_TYPES_IMAGE, default="UPLOAD_BY_FILE")
    state = ctx.state
    if upload_type == "UPLOAD_BY_FILE":
        data, digest = await _read_upload(ctx, "image_file", "image_signature", MAX_IMAGE_BYTES)
        parsed = image_size(data)
        if parsed is None:
            raise ApiError(errors.FILE_TYPE_ERROR, "The file type is unsupported: use JPG or PNG.")
        fmt, width, height = parsed
        size = len(data)
        upload = ctx.files["image_file"]
        default_name = upload.filename or f"image_{digest[:8]}.{fmt}"
    elif upload_type == "UPLOAD_BY_URL":
        url = ctx.params.req_str("image_url")
        digest = hashlib.md5(url.encode()).hexdigest()
        width, height = fake_image_size(digest)
        fmt = "png" if url.lower().endswith(".png") else "jpeg"
        size = 50_000 + int(digest[:6], 16) % 2_000_000
        default_name = url.rstrip("/").rsplit("/", 1)[-1] or f"image_{digest[:8]}.{fmt}"
    else:
        raise ApiError(errors.NOT_EXIST, "The file does not exist.")
    file_name = _file_name(ctx, state.images, default_name)
    image_id = f"ad-site-i18n-sg/{state.now.strftime('%Y%m%d')}{state.next_hash('image')}"
    now = state.now_str()
    public = {
        "image_id": image_id,
        "material_id": state.next_id("material"),
        "file_name": file_name,
        "width": width,
        "height": height,
        "format": fmt,
        "size": size,
        "signature": digest,
        "image_url": f"https://sim.invalid/image/{image_id}",
        "displayable": True,
        "is_carousel_usable": True,
        "create_time": now,
        "modify_time": now,
    }
    state.images[image_id] = Material(advertiser_id=ctx.advertiser_id, public=public)
    ctx.sim.stats.created["image"] += 1
    return public


@endpoint(router, "GET", "file/image/ad/info/")
async def image_info(ctx: ApiContext) -> dict[str, Any]:
    """Up to 100 images by id (unknown ids are left out)."""
    return {"list": [dict(m.public) for m in _lookup(ctx, ctx.state.images, "image_ids", 100)]}


def _search(ctx: ApiContext, table: dict[str, Material], id_name: str, views: Any) -> dict[str, Any]:
    raw = ctx.params.obj("filtering") or {}
    if not isinstance(raw, dict):
        raise param_error("filtering", "Not a valid JSON object.")
    ids = id_filter(raw, id_name)
    material_ids = id_filter(raw, "material_ids")
    items = []
    for material in table.values():
        pub = material.public
        if material.advertiser_id != ctx.advertiser_id:
            continue
        if (ids is not None and pub[id_name[:-1]] not in ids) or (
            material_ids is not None and pub["material_id"] not in material_ids
        ):
            continue
        if any(k in raw and raw[k] is not None and int(raw[k]) != pub[k] for k in ("width", "height")):
            continue
        view = views(material)
        if (
            "displayable" in raw
            and raw["displayable"] is not None
            and bool(raw["displayable"]) != view["displayable"]
        ):
            continue
        items.append(view)
    items.sort(key=lambda v: (v["create_time"], v[id_name[:-1]]), reverse=True)
    return paginate(items, ctx.params, default_size=20, max_size=100)


@endpoint(router, "GET", "file/video/ad/search/")
async def search_videos(ctx: ApiContext) -> dict[str, Any]:
    """The advertiser's videos, filtered by ids, material ids, size or displayability."""
    return _search(ctx, ctx.state.videos, "video_ids", video_view)


@endpoint(router, "GET", "file/image/ad/search/")
async def search_images(ctx: ApiContext) -> dict[str, Any]:
    """The advertiser's images, filtered by ids, material ids or size."""
    return _search(ctx, ctx.state.images, "image_ids", lambda m: dict(m.public))
