"""The admin API (``/sim/*``): clock, scenario, truth, events, stats, faults, limits, idempotency.

For local use only: no token is asked for. ``create_app(enable_admin=False)`` (CLI
``--no-admin``) leaves these routes out. Answers are plain JSON, not TikTok's envelope.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from simulator.auction import advance, truth_report
from simulator.core import Simulator
from simulator.scenario import FaultsSpec, LimitsSpec, MarketEvent, Scenario
from simulator.state import fmt_time

router = APIRouter(prefix="/sim", tags=["admin"])

MAX_ADVANCE_HOURS = 24 * 400


class AdvanceRequest(BaseModel):
    hours: int | None = Field(default=None, ge=0, le=MAX_ADVANCE_HOURS)
    to: datetime | None = None


class IdempotencyRequest(BaseModel):
    enabled: bool


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def clock(sim: Simulator) -> dict[str, Any]:
    return {"now": sim.state.now_str(), "start_time": fmt_time(sim.state.scenario.start_time)}


@router.get("/health")
async def health() -> dict[str, Any]:
    return {"ok": True}


@router.get("/clock")
async def get_clock(request: Request) -> dict[str, Any]:
    """The simulated time (report dates, token expiry and schedules follow it)."""
    return clock(_sim(request))


@router.post("/advance")
async def post_advance(body: AdvanceRequest, request: Request) -> dict[str, Any]:
    """Advance the clock by ``hours`` or to ``to`` (whole hours), delivering every hour."""
    sim = _sim(request)
    if (body.hours is None) == (body.to is None):
        raise HTTPException(400, "give exactly one of hours or to")
    hours = body.hours
    if body.to is not None:
        target = body.to.replace(tzinfo=None)
        if target < sim.state.now:
            raise HTTPException(400, f"to {target} is before the clock {sim.state.now_str()}")
        hours = math.floor((target - sim.state.now) / timedelta(hours=1))
        if hours > MAX_ADVANCE_HOURS:
            raise HTTPException(400, f"at most {MAX_ADVANCE_HOURS} hours per call")
    assert hours is not None
    totals = advance(sim.state, hours)
    sim.save()
    return {**clock(sim), "hours": hours, "totals": totals}


@router.get("/scenario")
async def get_scenario(request: Request) -> dict[str, Any]:
    return _sim(request).state.scenario.model_dump(mode="json")


@router.post("/scenario")
async def post_scenario(scenario: Scenario, request: Request) -> dict[str, Any]:
    """Replace the whole state with a fresh one from this scenario."""
    sim = _sim(request)
    sim.load_scenario(scenario)
    return {"loaded": scenario.name, **clock(sim)}


@router.post("/reset")
async def post_reset(request: Request) -> dict[str, Any]:
    """Start the current scenario over (clock, entities, ledger, stats)."""
    sim = _sim(request)
    sim.reset()
    return {"reset": sim.state.scenario.name, **clock(sim)}


@router.get("/truth")
async def get_truth(request: Request) -> dict[str, Any]:
    """Hidden parameters for benchmark oracles: per ad true CTR/CVR, fatigue and events; per ad
    group the true CPA and the spend it could absorb per day at its bid (``capacity_per_day``)."""
    return truth_report(_sim(request).state)


@router.get("/events")
async def get_events(request: Request) -> list[dict[str, Any]]:
    """The market events of the run: the scenario's and those added since."""
    return [e.model_dump(mode="json") for e in _sim(request).state.events]


@router.post("/events")
async def post_events(events: list[MarketEvent], request: Request) -> list[dict[str, Any]]:
    """Add market events (``[{"at", "target": {"adgroup_name": ...}, "true_cvr_factor": 0.5}]``)."""
    sim = _sim(request)
    sim.state.events.extend(events)
    sim.save()
    return [e.model_dump(mode="json") for e in sim.state.events]


@router.get("/stats")
async def get_stats(request: Request) -> dict[str, Any]:
    """Request, throttling, fault, idempotency-key and object-creation counters."""
    return _sim(request).stats.as_dict()


@router.get("/faults")
async def get_faults(request: Request) -> dict[str, Any]:
    return _sim(request).state.faults.model_dump()


@router.post("/faults")
async def post_faults(spec: FaultsSpec, request: Request) -> dict[str, Any]:
    """Replace the fault rules (``{"rules": []}`` turns faults off)."""
    _sim(request).set_faults(spec)
    return spec.model_dump()


@router.get("/limits")
async def get_limits(request: Request) -> dict[str, Any]:
    return _sim(request).state.limits.model_dump()


@router.post("/limits")
async def post_limits(spec: LimitsSpec, request: Request) -> dict[str, Any]:
    """Replace the rate limits (windows start empty)."""
    _sim(request).set_limits(spec)
    return spec.model_dump()


@router.get("/idempotency")
async def get_idempotency(request: Request) -> dict[str, Any]:
    return {"enabled": _sim(request).state.idempotency}


@router.post("/idempotency")
async def post_idempotency(body: IdempotencyRequest, request: Request) -> dict[str, Any]:
    """Honour ``X-Idempotency-Key`` (and ``request_id`` on adgroup/create) or not."""
    _sim(request).set_idempotency(body.enabled)
    return {"enabled": body.enabled}
