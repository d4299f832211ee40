"""Turning a scenario (or a create request) into stored records.

The same record builders serve the scenario loader and the ``*/create/`` endpoints, so a
pre-existing campaign looks exactly like one created over the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.auction import creative_truth
from simulator.review import CREATIVE as CREATIVE_REASON
from simulator.scenario import AdvertiserSpec, Scenario
from simulator.state import (
    AdTruth,
    AuthCodeRecord,
    Material,
    RefreshRecord,
    SimState,
    TokenRecord,
)

# Request keys that are never copied onto a record (ids, statuses, transport fields).
RESERVED = {
    "advertiser_id", "campaign_id", "adgroup_id", "ad_id", "request_id", "secondary_status",
    "primary_status", "create_time", "modify_time", "creatives", "operation_status",
}  # fmt: skip


def passthrough(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields TikTok accepts that the simulator stores and echoes without interpreting."""
    return {k: v for k, v in fields.items() if k not in RESERVED}


def campaign_record(
    state: SimState, advertiser_id: str, campaign_id: str, fields: dict[str, Any]
) -> dict[str, Any]:
    now = state.now_str()
    mode = fields.get("budget_mode") or "BUDGET_MODE_INFINITE"
    record: dict[str, Any] = {
        "campaign_type": "REGULAR_CAMPAIGN",
        "special_industries": [],
        "budget_optimize_on": False,
        "is_new_structure": True,
        "is_smart_performance_campaign": False,
        **passthrough(fields),
        "advertiser_id": advertiser_id,
        "campaign_id": campaign_id,
        "budget_mode": mode,
        "budget": float(fields.get("budget") or 0.0),
        "operation_status": fields.get("operation_status") or "ENABLE",
        "create_time": now,
        "modify_time": now,
    }
    return record


def adgroup_record(
    state: SimState, campaign: dict[str, Any], adgroup_id: str, fields: dict[str, Any]
) -> dict[str, Any]:
    now = state.now_str()
    goal = fields.get("optimization_goal") or "CONVERT"
    record: dict[str, Any] = {
        "placement_type": "PLACEMENT_TYPE_AUTOMATIC",
        "placements": [],
        "location_ids": [],
        "promotion_type": "WEBSITE",
        "gender": "GENDER_UNLIMITED",
        "schedule_type": "SCHEDULE_FROM_NOW",
        "schedule_start_time": now,
        "schedule_end_time": None,
        "bid_type": "BID_TYPE_NO_BID",
        "bid_price": 0.0,
        "conversion_bid_price": 0.0,
        "pacing": "PACING_MODE_SMOOTH",
        **{k: v for k, v in passthrough(fields).items() if v is not None},
        "advertiser_id": campaign["advertiser_id"],
        "campaign_id": campaign["campaign_id"],
        "adgroup_id": adgroup_id,
        "optimization_goal": goal,
        "budget_mode": fields.get("budget_mode") or "BUDGET_MODE_INFINITE",
        "budget": float(fields.get("budget") or 0.0),
        "operation_status": fields.get("operation_status") or "ENABLE",
        "create_time": now,
        "modify_time": now,
    }
    if not record.get("billing_event"):
        record["billing_event"] = {"CLICK": "CPC", "SHOW": "CPM", "REACH": "CPM"}.get(goal, "OCPM")
    return record


def ad_record(
    state: SimState, adgroup: dict[str, Any], ad_id: str, creative: dict[str, Any]
) -> dict[str, Any]:
    now = state.now_str()
    return {
        "ad_format": "SINGLE_VIDEO",
        "ad_text": "",
        "image_ids": [],
        "video_id": None,
        "call_to_action": None,
        "landing_page_url": None,
        "display_name": None,
        "identity_type": "CUSTOMIZED_USER",
        "identity_id": None,
        "is_aco": False,
        **passthrough(creative),
        "advertiser_id": adgroup["advertiser_id"],
        "campaign_id": adgroup["campaign_id"],
        "adgroup_id": adgroup["adgroup_id"],
        "ad_id": ad_id,
        "operation_status": creative.get("operation_status") or "ENABLE",
        "create_time": now,
        "modify_time": now,
    }


def creative_key(ad: dict[str, Any]) -> str:
    """What the hidden CTR/CVR belong to: the video, else the first image, else the ad itself."""
    if ad.get("video_id"):
        return str(ad["video_id"])
    if ad.get("image_ids"):
        return str(ad["image_ids"][0])
    return str(ad["ad_id"])


def assign_truth(
    state: SimState,
    ad: dict[str, Any],
    ctr: float | None = None,
    cvr: float | None = None,
    review: str = "APPROVED",
) -> None:
    key = creative_key(ad)
    drawn_ctr, drawn_cvr = creative_truth(state.scenario.seed, key, state.scenario.market)
    state.truth[ad["ad_id"]] = AdTruth(
        true_ctr=ctr if ctr is not None else drawn_ctr,
        true_cvr=cvr if cvr is not None else drawn_cvr,
        creative_key=key,
        review_status=review,
        # a scenario's verdicts were reached before the run starts; a rejection has TikTok's reason
        reject_reasons=[CREATIVE_REASON] if review == "REJECTED" else [],
        audited_at=None if review == "IN_REVIEW" else state.now_str(),
    )


def advertiser_record(spec: AdvertiserSpec, created: datetime) -> dict[str, Any]:
    return {
        "advertiser_id": spec.advertiser_id,
        "name": spec.name,
        "company": spec.company,
        "country": spec.country,
        "currency": spec.currency,
        "timezone": spec.timezone,
        "display_timezone": spec.timezone,
        "status": "STATUS_ENABLE",
        "role": "ROLE_ADVERTISER",
        "industry": "290000",
        "language": "en",
        "create_time": int((created - datetime(1970, 1, 1)).total_seconds()),
        "monthly_budget": spec.monthly_budget,
        "long_term_token": spec.long_term_token,
    }


def _materials(state: SimState, spec: AdvertiserSpec) -> None:
    now = state.now_str()
    for video in spec.videos:
        video_id = video.video_id or f"v10033g50000{state.next_hash('video')}"
        public = {
            **video.model_dump(exclude={"video_id"}),
            "video_id": video_id,
            "material_id": state.next_id("material"),
            "signature": state.next_hash("signature", 32),
            "bit_rate": int(video.size * 8 / max(video.duration, 0.1)),
            "video_cover_url": f"https://sim.invalid/video/{video_id}/cover.jpg",
            "preview_url": f"https://sim.invalid/video/{video_id}/preview.mp4",
            "displayable": True,
            "allowed_placements": ["PLACEMENT_TIKTOK", "PLACEMENT_PANGLE"],
            "create_time": now,
            "modify_time": now,
        }
        state.videos[video_id] = Material(advertiser_id=spec.advertiser_id, public=public)
    for image in spec.images:
        image_id = image.image_id or f"ad-site-i18n-sg/{state.next_hash('image')}"
        public = {
            **image.model_dump(exclude={"image_id"}),
            "image_id": image_id,
            "material_id": state.next_id("material"),
            "signature": state.next_hash("signature", 32),
            "image_url": f"https://sim.invalid/image/{image_id}",
            "displayable": True,
            "is_carousel_usable": True,
            "create_time": now,
            "modify_time": now,
        }
        state.images[image_id] = Material(advertiser_id=spec.advertiser_id, public=public)


def build_state(scenario: Scenario) -> SimState:
    """A fresh state at the scenario's start time."""
    state = SimState(
        scenario=scenario,
        now=scenario.start_time,
        limits=scenario.limits.model_copy(deep=True),
        faults=scenario.faults.model_copy(deep=True),
        idempotency=scenario.idempotency,
        events=[e.model_copy() for e in scenario.events],
    )
    for spec in scenario.advertisers:
        state.advertisers[spec.advertiser_id] = advertiser_record(spec, scenario.start_time)
        state.balances[spec.advertiser_id] = spec.balance
        _materials(state, spec)
        for c_spec in spec.campaigns:
            c_fields = c_spec.model_dump(exclude={"adgroups", "campaign_id"})
            campaign = campaign_record(
                state, spec.advertiser_id, c_spec.campaign_id or state.next_id("campaign"), c_fields
            )
            state.campaigns[campaign["campaign_id"]] = campaign
            for g_spec in c_spec.adgroups:
                g_fields = g_spec.model_dump(exclude={"ads", "adgroup_id", "hourly_impressions"})
                adgroup = adgroup_record(
                    state, campaign, g_spec.adgroup_id or state.next_id("adgroup"), g_fields
                )
                state.adgroups[adgroup["adgroup_id"]] = adgroup
                if g_spec.hourly_impressions is not None:
                    state.adgroup_volume[adgroup["adgroup_id"]] = g_spec.hourly_impressions
                for a_spec in g_spec.ads:
                    a_fields = a_spec.model_dump(exclude={"ad_id", "true_ctr", "true_cvr", "review_status"})
                    ad = ad_record(state, adgroup, a_spec.ad_id or state.next_id("ad"), a_fields)
                    state.ads[ad["ad_id"]] = ad
                    assign_truth(state, ad, a_spec.true_ctr, a_spec.true_cvr, a_spec.review_status)
    for token in scenario.access_tokens:
        expires = state.in_hours(token.expires_in_hours)
        state.tokens[token.access_token] = TokenRecord(
            app_id=token.app_id, advertiser_ids=token.advertiser_ids, scope=token.scope, expires_at=expires
        )
        if token.refresh_token:
            state.refresh_tokens[token.refresh_token] = RefreshRecord(
                app_id=token.app_id,
                advertiser_ids=token.advertiser_ids,
                scope=token.scope,
                expires_at=state.in_hours(token.refresh_expires_in_hours),
            )
    for code in scenario.auth_codes:
        state.auth_codes[code.auth_code] = AuthCodeRecord(
            app_id=code.app_id,
            advertiser_ids=code.advertiser_ids,
            scope=code.scope,
            expires_at=state.in_hours(code.expires_in_hours),
        )
    return state
