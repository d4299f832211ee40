"""``ad/create/`` (``adgroup_id`` + ``creatives[]`` -> ``ad_ids``) and ``ad/update/``.

Each creative is validated on its own, with the field named as ``creatives[i].field``.
A video must exist for the advertiser and have finished processing (else 40901); an ad
group holds at most 20 live ads (40502). New ads, and ads whose text, material or landing
page change, go to review (``simulator.review``); ``ad/review_info/`` tells its verdict.
Hidden CTR/CVR belong to the creative (video, else first image), drawn from the scenario's
priors, so the same creative performs alike in every ad group.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from simulator import errors, review
from simulator.api import ApiContext, endpoint
from simulator.builder import ad_record, assign_truth, creative_key
from simulator.entities import is_deleted, public_view
from simulator.enums import AD_FORMATS, CREATE_STATUSES, IDENTITY_TYPES
from simulator.errors import ApiError, missing, param_error
from simulator.params import Params, check_list
from simulator.routes.files import material_ready
from simulator.routes.management import AD, ADGROUP, alive

router = APIRouter()

MAX_ADS_PER_ADGROUP = 20
MAX_REVIEW_INFO_IDS = 100
REVIEWED_FIELDS = ("ad_text", "video_id", "image_ids", "landing_page_url", "call_to_action")
CREATIVE_FIELDS = (
    "ad_name", "ad_text", "ad_format", "video_id", "image_ids", "call_to_action", "landing_page_url",
    "display_name", "identity_id", "identity_type", "avatar_icon_web_uri", "deeplink", "tracking_pixel_id",
    "page_id", "impression_tracking_url", "click_tracking_url", "music_id", "card_id",
)  # fmt: skip


def _creative(ctx: ApiContext, index: int, raw: Any, *, partial: bool) -> dict[str, Any]:
    """The validated fields of ``creatives[index]`` (``partial``: an update, nothing required)."""
    prefix = f"creatives[{index}]"
    if not isinstance(raw, dict):
        raise param_error(prefix, "Not a valid JSON object.")
    p = Params(raw)

    def field(name: str) -> str:
        return f"{prefix}.{name}"

    out: dict[str, Any] = {}
    for name, limit in (("ad_name", 512), ("ad_text", 100)):
        value = raw.get(name)
        if value in (None, ""):
            if not partial:
                raise missing(field(name))
            continue
        if not isinstance(value, str) or len(value) > limit:
            raise param_error(field(name), f"Length must be between 1 and {limit}.")
        out[name] = value
    ad_format = raw.get("ad_format", None if partial else "SINGLE_VIDEO")
    if ad_format is not None:
        if ad_format not in AD_FORMATS:
            raise param_error(field("ad_format"), f"Must be one of: {', '.join(sorted(AD_FORMATS))}.")
        out["ad_format"] = ad_format
    if raw.get("identity_type") is not None and raw["identity_type"] not in IDENTITY_TYPES:
        raise param_error(field("identity_type"), f"Must be one of: {', '.join(sorted(IDENTITY_TYPES))}.")
    video_id = p.string("video_id")
    if video_id is not None:
        video = ctx.state.videos.get(video_id)
        if video is None or video.advertiser_id != ctx.advertiser_id:
            raise param_error(field("video_id"), f"Video {video_id} does not exist.")
        if not material_ready(video):
            raise ApiError(errors.VIDEO_TRANSCODING, f"Video {video_id} is still being transcoded.")
        out["video_id"] = video_id
    image_ids = raw.get("image_ids")
    if image_ids is not None:
        for image_id in check_list(field("image_ids"), image_ids, max_len=35):
            image = ctx.state.images.get(str(image_id))
            if image is None or image.advertiser_id != ctx.advertiser_id:
                raise param_error(field("image_ids"), f"Image {image_id} does not exist.")
        out["image_ids"] = [str(i) for i in image_ids]
    if not partial:
        if out.get("ad_format") == "SINGLE_VIDEO" and "video_id" not in out:
            raise missing(field("video_id"))
        if out.get("ad_format") in ("SINGLE_IMAGE", "CAROUSEL_ADS") and not out.get("image_ids"):
            raise missing(field("image_ids"))
    for name in CREATIVE_FIELDS:
        if name not in out and raw.get(name) is not None and name not in ("video_id", "image_ids"):
            out[name] = raw[name]
    status = raw.get("operation_status")
    if status is not None:
        if partial or status not in CREATE_STATUSES:
            raise param_error(field("operation_status"), "Must be one of: DISABLE, ENABLE.")
        out["operation_status"] = status
    return out


@endpoint(router, "POST", "ad/create/", mutating=True)
async def create_ads(ctx: ApiContext) -> dict[str, Any]:
    """Create one ad per creative in a live ad group."""
    adgroup = alive(ctx, ADGROUP, ctx.params.req_str("adgroup_id"), "adgroup_id")
    raw = ctx.params.obj("creatives")
    if raw is None:
        raise missing("creatives")
    creatives = check_list("creatives", raw, min_len=1, max_len=MAX_ADS_PER_ADGROUP)
    validated = [_creative(ctx, i, c, partial=False) for i, c in enumerate(creatives)]
    live = sum(
        1
        for ad in ctx.state.ads.values()
        if ad["adgroup_id"] == adgroup["adgroup_id"] and not is_deleted(ctx.state, "ad", ad)
    )
    if live + len(validated) > MAX_ADS_PER_ADGROUP:
        raise ApiError(
            errors.AD_NUMBER_LIMIT, f"The maximum ad limit ({MAX_ADS_PER_ADGROUP}) has been reached."
        )
    created = []
    for fields in validated:
        record = ad_record(ctx.state, adgroup, ctx.state.next_id("ad"), fields)
        ctx.state.ads[record["ad_id"]] = record
        assign_truth(ctx.state, record)
        ctx.sim.submit_review(record)
        ctx.sim.stats.created["ad"] += 1
        created.append(record)
    return {
        "ad_ids": [r["ad_id"] for r in created],
        "creatives": [public_view(ctx.state, "ad", r) for r in created],
    }


@endpoint(router, "POST", "ad/update/", mutating=True)
async def update_ads(ctx: ApiContext) -> dict[str, Any]:
    """Update ads: ``creatives[]`` each with ``ad_id`` and the fields to change."""
    raw = ctx.params.obj("creatives")
    if raw is None:
        raise missing("creatives")
    creatives = check_list("creatives", raw, min_len=1, max_len=MAX_ADS_PER_ADGROUP)
    adgroup_id = ctx.params.string("adgroup_id")
    changes = []
    for index, creative in enumerate(creatives):
        if not isinstance(creative, dict) or creative.get("ad_id") in (None, ""):
            raise missing(f"creatives[{index}].ad_id")
        record = alive(ctx, AD, str(creative["ad_id"]), f"creatives[{index}].ad_id")
        if adgroup_id and record["adgroup_id"] != adgroup_id:
            raise param_error(
                f"creatives[{index}].ad_id", f"Ad {record['ad_id']} is not in ad group {adgroup_id}."
            )
        changes.append((record, _creative(ctx, index, creative, partial=True)))
    now = ctx.state.now_str()
    for record, fields in changes:
        old_key = creative_key(record)
        reviewed = {name: record.get(name) for name in REVIEWED_FIELDS}
        record.update(fields)
        record["modify_time"] = now
        if creative_key(record) != old_key:  # new material: it brings its own true CTR/CVR
            review = ctx.state.truth[record["ad_id"]].review_status
            assign_truth(ctx.state, record, review=review)
        if any(record.get(name) != was for name, was in reviewed.items()):
            ctx.sim.submit_review(record)
    return {
        "ad_ids": [r["ad_id"] for r, _ in changes],
        "creatives": [public_view(ctx.state, "ad", r) for r, _ in changes],
    }


@endpoint(router, "GET", "ad/review_info/")
async def ad_review_info(ctx: ApiContext) -> dict[str, Any]:
    """``ad_review_map``: per ad its review status, reasons with a suggestion, last audit time."""
    ad_ids = ctx.params.id_list("ad_ids", required=True, max_len=MAX_REVIEW_INFO_IDS) or []
    answer = {}
    for index, ad_id in enumerate(ad_ids):
        record = ctx.state.ads.get(ad_id)
        if record is None or record["advertiser_id"] != ctx.advertiser_id:
            raise param_error(f"ad_ids[{index}]", f"Ad {ad_id} does not exist.")
        answer[ad_id] = review.review_info(ctx.state, record)
    return {"ad_review_map": answer}
