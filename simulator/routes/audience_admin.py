"""Admin of custom audiences (``/sim/audiences``): limits, match rate, sizes and membership.

Like the rest of ``/sim/``: local use only, plain JSON, left out with ``--no-admin``. Tests
shrink the limits (a 2 KB file limit splits a few hundred identifiers into several files)
and ask whether an identifier is in an audience.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from simulator.audiences import AudienceBook, AudienceLimits
from simulator.core import Simulator

router = APIRouter(prefix="/sim/audiences", tags=["admin"])


def _book(request: Request) -> AudienceBook:
    sim: Simulator = request.app.state.sim
    return sim.audiences


@router.get("/limits")
async def get_limits(request: Request) -> dict[str, Any]:
    return _book(request).limits.model_dump()


@router.post("/limits")
async def post_limits(limits: AudienceLimits, request: Request) -> dict[str, Any]:
    """Replace the audience limits and the match rate (not persisted: a restart restores TikTok's)."""
    _book(request).limits = limits
    return limits.model_dump()


@router.get("")
async def list_audiences(advertiser_id: str, request: Request) -> list[dict[str, Any]]:
    """Every audience of an advertiser with the identifiers it holds and how many matched."""
    book = _book(request)
    out = []
    for audience in book.of_advertiser(advertiser_id):
        held, matched = book.sizes(audience.audience_id)
        out.append({**book.view(audience), "held": held, "matched": matched, "kind": audience.kind})
    return out


@router.get("/events")
async def events(source_id: str, request: Request) -> list[dict[str, Any]]:
    """Events API events received for an event source (a pixel code), oldest first."""
    return _book(request).events(source_id)


@router.get("/member")
async def member(audience_id: str, hash: str, request: Request) -> dict[str, bool]:
    """Whether the hashed identifier ``hash`` is in the audience."""
    return {"member": _book(request).contains(audience_id, hash.lower())}
