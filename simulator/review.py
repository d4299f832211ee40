"""Ad review: new and edited ads wait ``delay_seconds`` (wall time), then pass or fail the rules.

Rules, checked in this order, each with a TikTok-style reason: a forbidden word in the ad
text, a creative (video or image id) on the reject list, a landing page matching the
reject list, then a seeded coin with ``reject_probability`` (the same ad and creative
always draw the same). The verdict shows in ``ad/get`` (``secondary_status``
``AD_STATUS_AUDIT`` -> ``AD_STATUS_DELIVERY_OK`` or ``AD_STATUS_AUDIT_DENY``), in
``ad/review_info/`` (reasons, suggestion, last audit time) and in an
``ad.review_status_update`` webhook (``simulator.webhooks``).
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from simulator.state import SimState

# Reason texts as TikTok words them in review results; the receiver classifies by them.
FORBIDDEN_WORD = "Ad text contains prohibited or exaggerated claims ({word})"
CREATIVE = "Video or image does not meet the creative policy (low quality or unauthorised content)"
LANDING_PAGE = "Landing page is unavailable or does not match the ad content"
RANDOM = "Creative quality is too low (blurry, stretched or with black bars)"
SUGGESTIONS = {
    FORBIDDEN_WORD: "Remove the exaggerated claim from the ad text and resubmit.",
    CREATIVE: "Replace the video or image with one that meets the creative policy.",
    LANDING_PAGE: "Make sure the landing page loads and matches the product in the ad.",
    RANDOM: "Upload a higher-quality version of the creative.",
}


class ReviewSpec(BaseModel):
    """How review treats new and edited ads (``POST /sim/review``)."""

    model_config = ConfigDict(extra="forbid")

    delay_seconds: float = Field(default=0.0, ge=0, le=3600, description="wall seconds in review")
    forbidden_words: list[str] = Field(default_factory=list, description="case-insensitive, in ad_text")
    reject_creatives: list[str] = Field(default_factory=list, description="video or image ids")
    reject_landing_pages: list[str] = Field(default_factory=list, description="substrings of the URL")
    reject_probability: float = Field(default=0.0, ge=0, le=1)


def _coin(seed: int, ad_id: str, creative: str) -> float:
    digest = hashlib.sha256(f"review:{seed}:{ad_id}:{creative}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def verdict(state: SimState, ad: dict[str, Any]) -> tuple[str, list[str]]:
    """``("APPROVED", [])`` or ``("REJECTED", [reason template])`` under the current rules."""
    spec = state.review
    text = str(ad.get("ad_text") or "").lower()
    for word in spec.forbidden_words:
        if word.lower() in text:
            return "REJECTED", [FORBIDDEN_WORD.format(word=word)]
    creatives = {str(ad.get("video_id") or ""), *(str(i) for i in ad.get("image_ids") or [])}
    if creatives & set(spec.reject_creatives):
        return "REJECTED", [CREATIVE]
    url = str(ad.get("landing_page_url") or "")
    if any(part and part in url for part in spec.reject_landing_pages):
        return "REJECTED", [LANDING_PAGE]
    truth = state.truth[ad["ad_id"]]
    if spec.reject_probability and _coin(state.scenario.seed, ad["ad_id"], truth.creative_key) < (
        spec.reject_probability
    ):
        return "REJECTED", [RANDOM]
    return "APPROVED", []


def submit(state: SimState, ad: dict[str, Any], now: float | None = None) -> None:
    """Put ``ad`` (new, or with new text or material) in review; ``settle`` decides it."""
    truth = state.truth[ad["ad_id"]]
    truth.review_status = "IN_REVIEW"
    truth.reject_reasons = []
    truth.review_due = (time.time() if now is None else now) + state.review.delay_seconds
    state.pending_reviews[ad["ad_id"]] = truth.review_due


def settle(state: SimState, now: float | None = None) -> list[dict[str, Any]]:
    """Decide every review whose time has come; the ``ad.review_status_update`` data of each."""
    now = time.time() if now is None else now
    decided = []
    for ad_id, due in list(state.pending_reviews.items()):
        if due > now:
            continue
        del state.pending_reviews[ad_id]
        ad, truth = state.ads.get(ad_id), state.truth.get(ad_id)
        if ad is None or truth is None:
            continue
        truth.review_due = None
        status, reasons = verdict(state, ad)
        truth.review_status = status
        truth.reject_reasons = reasons
        truth.audited_at = state.now_str()
        decided.append(review_event_data(state, ad))
    return decided


def review_event_data(state: SimState, ad: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` of an ``ad.review_status_update`` event (TikTok's ad entry fields)."""
    truth = state.truth[ad["ad_id"]]
    campaign = state.campaigns.get(ad["campaign_id"], {})
    adgroup = state.adgroups.get(ad["adgroup_id"], {})
    return {
        "advertiser_id": ad["advertiser_id"],
        "campaign_id": ad["campaign_id"],
        "campaign_name": campaign.get("campaign_name"),
        "adgroup_id": ad["adgroup_id"],
        "adgroup_name": adgroup.get("adgroup_name"),
        "ad_id": ad["ad_id"],
        "ad_name": ad.get("ad_name"),
        "review_status": truth.review_status,
        "reject_reason": "; ".join(truth.reject_reasons) or None,
    }


def review_info(state: SimState, ad: dict[str, Any]) -> dict[str, Any]:
    """One ``ad_review_map`` entry of ``ad/review_info/``."""
    truth = state.truth[ad["ad_id"]]
    status = {"APPROVED": "ALL_AVAILABLE", "REJECTED": "UNAVAILABLE"}.get(truth.review_status, "IN_REVIEW")
    reject_info = [
        {"reasons": [reason], "suggestion": SUGGESTIONS.get(_template(reason), "")}
        for reason in truth.reject_reasons
    ]
    return {
        "ad_id": ad["ad_id"],
        "review_status": status,
        "is_approved": truth.review_status == "APPROVED",
        "last_audit_time": truth.audited_at,
        "reject_info": reject_info,
    }


def _template(reason: str) -> str:
    return FORBIDDEN_WORD if reason.startswith(FORBIDDEN_WORD.split("(")[0]) else reason
