"""``campaign/create/`` and ``campaign/update/``.

Budget rules (documented minimums): BUDGET_MODE_DAY/TOTAL need ``budget`` >= 50 for a
campaign (>= 20 for an ad group); campaign budget optimisation (``budget_optimize_on``)
needs BUDGET_MODE_DAY. Campaign names are unique among the advertiser's live campaigns
(scenario flag ``unique_campaign_names``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from simulator.api import ApiContext, endpoint
from simulator.builder import campaign_record
from simulator.entities import is_deleted, public_view
from simulator.enums import (
    BUDGET_MODES,
    BUDGETED_MODES,
    CAMPAIGN_TYPES,
    CBO_GOALS,
    CREATE_STATUSES,
    OBJECTIVE_TYPES,
    SPECIAL_INDUSTRIES,
)
from simulator.errors import missing, param_error
from simulator.params import Params, check_enum
from simulator.routes.management import CAMPAIGN, alive

router = APIRouter()

CAMPAIGN_MIN_BUDGET = 50.0
ADGROUP_MIN_BUDGET = 20.0
MAX_BUDGET = 10_000_000.0


def check_budget(mode: str, budget: float | None, minimum: float) -> None:
    if mode in BUDGETED_MODES:
        if budget is None:
            raise missing("budget")
        if budget < minimum:
            raise param_error("budget", f"Must be greater than or equal to {minimum:g} for {mode}.")
        if budget > MAX_BUDGET:
            raise param_error("budget", f"Must be less than or equal to {MAX_BUDGET:g}.")


def check_unique_name(ctx: ApiContext, name: str, exclude: str | None = None) -> None:
    if not ctx.state.scenario.unique_campaign_names:
        return
    for record in ctx.state.campaigns.values():
        if (
            record["advertiser_id"] == ctx.advertiser_id
            and record["campaign_name"] == name
            and record["campaign_id"] != exclude
            and not is_deleted(ctx.state, "campaign", record)
        ):
            raise param_error("campaign_name", f"Campaign name already exists: {name}.")


def special_industries(params: Params) -> list[str] | None:
    values = params.list_of("special_industries")
    if values is None:
        return None
    return [check_enum("special_industries", v, SPECIAL_INDUSTRIES) for v in values]


@endpoint(router, "POST", "campaign/create/", mutating=True)
async def create_campaign(ctx: ApiContext) -> dict[str, Any]:
    """Create a campaign (``operation_status: DISABLE`` keeps it disabled)."""
    p = ctx.params
    name = p.req_str("campaign_name", max_len=512)
    objective = p.enum("objective_type", OBJECTIVE_TYPES, required=True)
    mode = p.enum("budget_mode", BUDGET_MODES, default="BUDGET_MODE_INFINITE")
    assert mode is not None
    budget = p.number("budget", minimum=0)
    cbo = p.boolean("budget_optimize_on")
    if cbo and mode != "BUDGET_MODE_DAY":
        raise param_error("budget_mode", "Campaign budget optimization needs BUDGET_MODE_DAY.")
    check_budget(mode, budget, CAMPAIGN_MIN_BUDGET)
    goal = p.enum("optimization_goal", CBO_GOALS) if cbo else None
    campaign_type = p.enum("campaign_type", CAMPAIGN_TYPES, default="REGULAR_CAMPAIGN")
    industries = special_industries(p)
    status = p.enum("operation_status", CREATE_STATUSES, default="ENABLE")
    check_unique_name(ctx, name)
    fields = {
        **p.dump(),
        "campaign_name": name,
        "objective_type": objective,
        "budget_mode": mode,
        "budget": budget if mode in BUDGETED_MODES else 0.0,
        "budget_optimize_on": cbo,
        "campaign_type": campaign_type,
        "special_industries": industries or [],
        "operation_status": status,
    }
    if goal:
        fields["optimization_goal"] = goal
    record = campaign_record(ctx.state, ctx.advertiser_id, ctx.state.next_id("campaign"), fields)
    ctx.state.campaigns[record["campaign_id"]] = record
    ctx.sim.stats.created["campaign"] += 1
    return public_view(ctx.state, "campaign", record)


@endpoint(router, "POST", "campaign/update/", mutating=True)
async def update_campaign(ctx: ApiContext) -> dict[str, Any]:
    """Change name, budget (mode), special industries or ROAS bid of a live campaign."""
    p = ctx.params
    record = alive(ctx, CAMPAIGN, p.req_str("campaign_id"), "campaign_id")
    changes: dict[str, Any] = {}
    name = p.string("campaign_name", max_len=512)
    if name is not None:
        check_unique_name(ctx, name, exclude=record["campaign_id"])
        changes["campaign_name"] = name
    mode = p.enum("budget_mode", BUDGET_MODES) or record["budget_mode"]
    budget = p.number("budget", minimum=0)
    if budget is not None or mode != record["budget_mode"]:
        effective = budget if budget is not None else (record.get("budget") or None)
        check_budget(mode, effective, CAMPAIGN_MIN_BUDGET)
        changes["budget_mode"] = mode
        changes["budget"] = effective if mode in BUDGETED_MODES else 0.0
    industries = special_industries(p)
    if industries is not None:
        changes["special_industries"] = industries
    roas = p.number("roas_bid", minimum=0)
    if roas is not None:
        changes["roas_bid"] = roas
    record.update(changes)
    record["modify_time"] = ctx.state.now_str()
    return public_view(ctx.state, "campaign", record)
