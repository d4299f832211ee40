"""``adgroup/create/``, ``adgroup/update/`` and ``adgroup/budget/update/``.

Validation follows the notes: campaign must be live; ``budget_mode`` is required unless
the campaign optimises the budget (CBO); DAY/TOTAL need ``budget`` >= 20; TOTAL needs
``SCHEDULE_START_END``; a Cost Cap (``BID_TYPE_CUSTOM``) needs ``conversion_bid_price`` for
conversion goals and ``bid_price`` otherwise; ``placements`` cannot change after creation.
Body ``request_id`` is TikTok's documented idempotency key (honoured when idempotency is on).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from simulator.api import ApiContext, endpoint
from simulator.auction import CONVERSION_GOALS
from simulator.builder import adgroup_record
from simulator.entities import public_view
from simulator.enums import (
    BID_TYPES,
    BILLING_EVENTS,
    BUDGET_MODES,
    BUDGETED_MODES,
    CREATE_STATUSES,
    DEFAULT_BILLING,
    OPTIMIZATION_GOALS,
    PACING_MODES,
    PLACEMENT_TYPES,
    PLACEMENTS,
    SCHEDULE_TYPES,
)
from simulator.errors import missing, param_error
from simulator.params import Params, check_enum, check_list
from simulator.routes.campaigns import ADGROUP_MIN_BUDGET, check_budget
from simulator.routes.management import ADGROUP, CAMPAIGN, alive
from simulator.state import fmt_time, parse_time

router = APIRouter()


def _time(params: Params, name: str) -> datetime | None:
    value = params.string(name)
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise param_error(name, "Use the format YYYY-MM-DD HH:MM:SS.") from exc


def _placements(params: Params, placement_type: str) -> list[str]:
    values = params.list_of("placements") or []
    values = [check_enum("placements", v, PLACEMENTS) for v in values]
    if placement_type == "PLACEMENT_TYPE_NORMAL" and not values:
        raise missing("placements")
    return values


def _bids(p: Params, goal: str, bid_type: str) -> dict[str, float]:
    bid_price = p.number("bid_price", minimum=0)
    conversion_bid = p.number("conversion_bid_price", minimum=0)
    if bid_type == "BID_TYPE_CUSTOM":
        if goal in CONVERSION_GOALS and not conversion_bid:
            raise missing("conversion_bid_price")
        if goal not in CONVERSION_GOALS and not bid_price:
            raise missing("bid_price")
    return {"bid_price": bid_price or 0.0, "conversion_bid_price": conversion_bid or 0.0}


@endpoint(router, "POST", "adgroup/create/", mutating=True)
async def create_adgroup(ctx: ApiContext) -> dict[str, Any]:
    """Create an ad group under a live campaign (``operation_status: DISABLE`` keeps it disabled)."""
    p = ctx.params
    campaign = alive(ctx, CAMPAIGN, p.req_str("campaign_id"), "campaign_id")
    name = p.req_str("adgroup_name", max_len=512)
    placement_type = p.enum("placement_type", PLACEMENT_TYPES, default="PLACEMENT_TYPE_AUTOMATIC")
    assert placement_type is not None
    placements = _placements(p, placement_type)
    location_ids = [str(v) for v in (p.list_of("location_ids") or [])]
    cbo = bool(campaign.get("budget_optimize_on"))
    mode = p.enum("budget_mode", BUDGET_MODES, required=not cbo, default="BUDGET_MODE_INFINITE")
    assert mode is not None
    budget = p.number("budget", minimum=0)
    if not cbo:
        check_budget(mode, budget, ADGROUP_MIN_BUDGET)
    schedule_type = p.enum("schedule_type", SCHEDULE_TYPES, default="SCHEDULE_FROM_NOW")
    start = _time(p, "schedule_start_time") or ctx.state.now
    end = _time(p, "schedule_end_time")
    if schedule_type == "SCHEDULE_START_END":
        if end is None:
            raise missing("schedule_end_time")
        if end <= start:
            raise param_error("schedule_end_time", "Must be later than schedule_start_time.")
    if mode == "BUDGET_MODE_TOTAL" and schedule_type != "SCHEDULE_START_END":
        raise param_error("schedule_type", "BUDGET_MODE_TOTAL needs SCHEDULE_START_END.")
    goal = p.enum("optimization_goal", OPTIMIZATION_GOALS, required=True)
    assert goal is not None
    billing = p.enum("billing_event", BILLING_EVENTS, default=DEFAULT_BILLING.get(goal, "OCPM"))
    bid_type = p.enum("bid_type", BID_TYPES, default="BID_TYPE_NO_BID")
    assert bid_type is not None
    fields = {
        **p.dump(),
        "adgroup_name": name,
        "placement_type": placement_type,
        "placements": placements,
        "location_ids": location_ids,
        "budget_mode": mode if not cbo else "BUDGET_MODE_INFINITE",
        "budget": budget if mode in BUDGETED_MODES and not cbo else 0.0,
        "schedule_type": schedule_type,
        "schedule_start_time": fmt_time(start),
        "schedule_end_time": fmt_time(end) if end else None,
        "optimization_goal": goal,
        "billing_event": billing,
        "bid_type": bid_type,
        **_bids(p, goal, bid_type),
        "pacing": p.enum("pacing", PACING_MODES, default="PACING_MODE_SMOOTH"),
        "operation_status": p.enum("operation_status", CREATE_STATUSES, default="ENABLE"),
    }
    record = adgroup_record(ctx.state, campaign, ctx.state.next_id("adgroup"), fields)
    ctx.state.adgroups[record["adgroup_id"]] = record
    ctx.sim.stats.created["adgroup"] += 1
    return public_view(ctx.state, "adgroup", record)


def _update_budget(ctx: ApiContext, record: dict[str, Any], budget: float) -> None:
    if record["budget_mode"] in BUDGETED_MODES:
        check_budget(record["budget_mode"], budget, ADGROUP_MIN_BUDGET)
    record["budget"] = budget
    record["modify_time"] = ctx.state.now_str()


@endpoint(router, "POST", "adgroup/update/", mutating=True)
async def update_adgroup(ctx: ApiContext) -> dict[str, Any]:
    """Change a live ad group's name, budget, bid strategy and bids, pacing, schedule end or
    targeting. Switching to Cost Cap (``BID_TYPE_CUSTOM``) needs a conversion bid."""
    p = ctx.params
    record = alive(ctx, ADGROUP, p.req_str("adgroup_id"), "adgroup_id")
    placements = p.list_of("placements")
    if placements is not None and sorted(placements) != sorted(record.get("placements") or []):
        raise param_error("placements", "Cannot be modified after creation.")
    changes: dict[str, Any] = {}
    name = p.string("adgroup_name", max_len=512)
    if name is not None:
        changes["adgroup_name"] = name
    for field_name in ("bid_price", "conversion_bid_price"):
        value = p.number(field_name, minimum=0)
        if value is not None:
            changes[field_name] = value
    bid_type = p.enum("bid_type", BID_TYPES)
    if bid_type:
        price = changes.get("conversion_bid_price", record.get("conversion_bid_price"))
        if (
            bid_type == "BID_TYPE_CUSTOM"
            and record.get("optimization_goal") in CONVERSION_GOALS
            and not price
        ):
            raise missing("conversion_bid_price")
        changes["bid_type"] = bid_type
    pacing = p.enum("pacing", PACING_MODES)
    if pacing:
        changes["pacing"] = pacing
    end = _time(p, "schedule_end_time")
    if end is not None:
        if end <= parse_time(record["schedule_start_time"]):
            raise param_error("schedule_end_time", "Must be later than schedule_start_time.")
        changes["schedule_end_time"] = fmt_time(end)
    for list_field in ("location_ids", "age_groups", "languages", "audience_ids", "excluded_audience_ids"):
        values = p.list_of(list_field)
        if values is not None:
            changes[list_field] = values
    budget = p.number("budget", minimum=0)
    if budget is not None:
        _update_budget(ctx, record, budget)
    record.update(changes)
    record["modify_time"] = ctx.state.now_str()
    return public_view(ctx.state, "adgroup", record)


@endpoint(router, "POST", "adgroup/budget/update/", mutating=True)
async def update_budgets(ctx: ApiContext) -> dict[str, Any]:
    """Set the budgets of several ad groups at once: ``budget: [{adgroup_id, budget}]``."""
    items = check_list("budget", ctx.params.obj("budget"), min_len=1, max_len=100)
    updates = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "adgroup_id" not in item or "budget" not in item:
            raise param_error(f"budget[{index}]", "Needs adgroup_id and budget.")
        item_params = Params(item)
        budget = item_params.number("budget", required=True, minimum=0)
        record = alive(ctx, ADGROUP, item_params.req_str("adgroup_id"), f"budget[{index}].adgroup_id")
        if record["budget_mode"] in BUDGETED_MODES:
            check_budget(record["budget_mode"], budget, ADGROUP_MIN_BUDGET)
        updates.append((record, budget))
    for record, budget in updates:
        assert budget is not None
        _update_budget(ctx, record, budget)
    return {}
