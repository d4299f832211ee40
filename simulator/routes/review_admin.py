"""Admin of review and webhooks (``/sim/review``, ``/sim/webhook``): rules, receiver, deliveries.

Like the rest of ``/sim/``: local use only, plain JSON, left out with ``--no-admin``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict

from simulator.core import Simulator
from simulator.review import ReviewSpec
from simulator.webhooks import WebhookSpec

router = APIRouter(prefix="/sim", tags=["admin"])


class EventRequest(BaseModel):
    """An event to send now, e.g. ``{"event_type": "lead.create", "data": {...}}``."""

    model_config = ConfigDict(extra="forbid")

    event_type: Literal["ad.review_status_update", "lead.create", "authorization.removed"]
    data: dict[str, Any]


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


@router.get("/review")
async def get_review(request: Request) -> dict[str, Any]:
    return _sim(request).state.review.model_dump()


@router.post("/review")
async def post_review(spec: ReviewSpec, request: Request) -> dict[str, Any]:
    """Replace the review rules; they apply to ads submitted from now on."""
    sim = _sim(request)
    sim.state.review = spec
    sim.save()
    return spec.model_dump()


@router.get("/webhook")
async def get_webhook(request: Request) -> dict[str, Any]:
    spec = _sim(request).state.webhook.model_dump()
    spec["secret"] = "***" if spec["secret"] else None
    return spec


@router.post("/webhook")
async def post_webhook(spec: WebhookSpec, request: Request) -> dict[str, Any]:
    """Set the receiver URL, the signature scheme, retries and the drop/duplicate switches."""
    sim = _sim(request)
    sim.state.webhook = spec
    sim.save()
    return await get_webhook(request)


@router.post("/webhook/events")
async def post_event(body: EventRequest, request: Request) -> dict[str, Any]:
    """Send an event now (``lead.create``, ``authorization.removed``, or a review update)."""
    sim = _sim(request)
    if body.event_type == "ad.review_status_update" and "ad_id" not in body.data:
        raise HTTPException(400, "data.ad_id is required for ad.review_status_update")
    delivery = sim.emit(body.event_type, body.data)
    sim.save()
    return delivery.as_dict()


@router.get("/webhook/deliveries")
async def get_deliveries(request: Request) -> list[dict[str, Any]]:
    """Every event since start (bounded log): id, type, copies, attempts, answers, state."""
    return [d.as_dict() for d in _sim(request).outbox.deliveries]


class DeauthorizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    advertiser_id: str


@router.post("/deauthorize")
async def post_deauthorize(body: DeauthorizeRequest, request: Request) -> dict[str, Any]:
    """The advertiser removes the app's access in TikTok: every token covering it is revoked
    and ``authorization.removed`` is sent."""
    sim = _sim(request)
    revoked = 0
    for grant in sim.state.tokens.values():
        if body.advertiser_id in grant.advertiser_ids and not grant.revoked:
            grant.revoked = True
            revoked += 1
    delivery = sim.emit(
        "authorization.removed", {"advertiser_id": body.advertiser_id, "revoked_tokens": revoked}
    )
    sim.save()
    return delivery.as_dict()
