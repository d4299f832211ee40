"""Ad review: what TikTok's reviewers ruled (``ad/review_info/``) and which ads are rejected.

``ad/review_info/`` answers per ad a ``review_status`` (``ALL_AVAILABLE`` approved,
``UNAVAILABLE`` rejected, ``PART_AVAILABLE`` approved for some placements, anything else
still in review) and ``reject_info[{reasons, suggestion}]``. Rejected ads that still
try to deliver show ``secondary_status`` ``AD_STATUS_AUDIT_DENY`` in ``ad/get/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from connector.client import TikTokClient
from connector.management import id_batches, list_all
from models.tiktok import Ad

REJECTED_SECONDARY = "AD_STATUS_AUDIT_DENY"
VERDICTS = {"ALL_AVAILABLE": "APPROVED", "PART_AVAILABLE": "APPROVED", "UNAVAILABLE": "REJECTED"}


class RejectInfo(BaseModel):
    reasons: list[str] = Field(default_factory=list)
    suggestion: str | None = None


class AdReview(BaseModel):
    """One ad's entry of ``ad_review_map``."""

    ad_id: str
    review_status: str = ""
    last_audit_time: str | None = None
    reject_info: list[RejectInfo] = Field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``APPROVED``, ``REJECTED`` or ``IN_REVIEW`` (an ad never audited is still in review)."""
        status = VERDICTS.get(self.review_status, "IN_REVIEW")
        if status == "APPROVED" and not self.last_audit_time:
            return "IN_REVIEW"
        return status

    @property
    def reasons(self) -> list[str]:
        return [reason for info in self.reject_info for reason in info.reasons]


async def review_info(client: TikTokClient, advertiser_id: str, ad_ids: Sequence[str]) -> dict[str, AdReview]:
    """The review entries of ``ad_ids`` (100 per call)."""
    out: dict[str, AdReview] = {}
    for batch in id_batches(ad_ids):
        data = await client.get("ad/review_info/", params={"advertiser_id": advertiser_id, "ad_ids": batch})
        entries: dict[str, Any] = (data or {}).get("ad_review_map") or {}
        for ad_id, entry in entries.items():
            out[str(ad_id)] = AdReview.model_validate({**entry, "ad_id": str(ad_id)})
    return out


async def rejected_ads(client: TikTokClient, advertiser_id: str) -> list[Ad]:
    """Ads whose review failed and that are still enabled (nobody has dealt with them)."""
    params = {"filtering": {"secondary_status": REJECTED_SECONDARY}}
    return await list_all(client, "ad/get/", advertiser_id, Ad, params=params)
