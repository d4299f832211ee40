"""Campaign, ad group and ad records: building them, their computed statuses, who may deliver.

Records are stored as TikTok's public objects (plain dicts). ``secondary_status`` and
``primary_status`` are derived at read time from the operation statuses up the tree, the
review status, the ad group's schedule and today's spend against the budget, so that they
are always consistent with the simulated clock.
"""

from __future__ import annotations

from typing import Any

from simulator.state import SimState, parse_time

DELETE, DISABLE, ENABLE = "DELETE", "DISABLE", "ENABLE"


def today(state: SimState) -> str:
    return state.now.strftime("%Y-%m-%d")


def budget_exhausted(state: SimState, entity_id: str, record: dict[str, Any]) -> bool:
    """True when a DAY budget is spent for today or a TOTAL budget for the lifetime."""
    budget = record.get("budget")
    mode = record.get("budget_mode")
    if not budget or mode in (None, "BUDGET_MODE_INFINITE"):
        return False
    if mode == "BUDGET_MODE_TOTAL":
        return state.spend_total.get(entity_id, 0.0) >= float(budget) - 0.01
    return state.spend_day.get(entity_id, {}).get(today(state), 0.0) >= float(budget) - 0.01


def schedule_state(state: SimState, adgroup: dict[str, Any]) -> str | None:
    """ "NOT_START", "TIME_DONE" or None (running) for the ad group's schedule."""
    start = adgroup.get("schedule_start_time")
    end = adgroup.get("schedule_end_time")
    if start and state.now < parse_time(start):
        return "NOT_START"
    if end and adgroup.get("schedule_type") == "SCHEDULE_START_END" and state.now >= parse_time(end):
        return "TIME_DONE"
    return None


def campaign_secondary(state: SimState, campaign: dict[str, Any]) -> str:
    status = campaign["operation_status"]
    if status == DELETE:
        return "CAMPAIGN_STATUS_DELETE"
    if status == DISABLE:
        return "CAMPAIGN_STATUS_DISABLE"
    if budget_exhausted(state, campaign["campaign_id"], campaign):
        return "CAMPAIGN_STATUS_BUDGET_EXCEED"
    return "CAMPAIGN_STATUS_ENABLE"


def adgroup_secondary(state: SimState, adgroup: dict[str, Any]) -> str:
    status = adgroup["operation_status"]
    campaign = state.campaigns.get(adgroup["campaign_id"], {})
    if status == DELETE or campaign.get("operation_status") == DELETE:
        return "ADGROUP_STATUS_DELETE"
    if status == DISABLE:
        return "ADGROUP_STATUS_DISABLE"
    if campaign.get("operation_status") == DISABLE:
        return "ADGROUP_STATUS_CAMPAIGN_DISABLE"
    schedule = schedule_state(state, adgroup)
    if schedule:
        return f"ADGROUP_STATUS_{schedule}"
    if budget_exhausted(state, adgroup["adgroup_id"], adgroup) or budget_exhausted(
        state, adgroup["campaign_id"], campaign
    ):
        return "ADGROUP_STATUS_BUDGET_EXCEED"
    return "ADGROUP_STATUS_DELIVERY_OK"


def ad_secondary(state: SimState, ad: dict[str, Any]) -> str:
    adgroup = state.adgroups.get(ad["adgroup_id"], {})
    campaign = state.campaigns.get(ad["campaign_id"], {})
    if DELETE in (ad["operation_status"], adgroup.get("operation_status"), campaign.get("operation_status")):
        return "AD_STATUS_DELETE"
    if ad["operation_status"] == DISABLE:
        return "AD_STATUS_DISABLE"
    truth = state.truth.get(ad["ad_id"])
    review = truth.review_status if truth else "APPROVED"
    if review == "IN_REVIEW":
        return "AD_STATUS_AUDIT"
    if review == "REJECTED":
        return "AD_STATUS_AUDIT_DENY"
    if DISABLE in (adgroup.get("operation_status"), campaign.get("operation_status")):
        return "AD_STATUS_ADGROUP_DISABLE"
    schedule = schedule_state(state, adgroup) if adgroup else None
    if schedule == "NOT_START":
        return "AD_STATUS_NOT_START"
    if schedule == "TIME_DONE":
        return "AD_STATUS_DONE"
    return "AD_STATUS_DELIVERY_OK"


def secondary_status(state: SimState, kind: str, record: dict[str, Any]) -> str:
    if kind == "campaign":
        return campaign_secondary(state, record)
    if kind == "adgroup":
        return adgroup_secondary(state, record)
    return ad_secondary(state, record)


def primary_status(secondary: str) -> str:
    """The coarse ``primary_status`` that a ``secondary_status`` rolls up to."""
    if secondary.endswith("_DELETE"):
        return "STATUS_DELETE"
    if secondary.endswith("_DISABLE"):
        return "STATUS_DISABLE"
    if secondary.endswith(("_DELIVERY_OK", "CAMPAIGN_STATUS_ENABLE")):
        return "STATUS_DELIVERY_OK"
    if secondary.endswith(("_TIME_DONE", "_DONE")):
        return "STATUS_TIME_DONE"
    return "STATUS_NOT_DELIVERY"


def is_deleted(state: SimState, kind: str, record: dict[str, Any]) -> bool:
    return secondary_status(state, kind, record).endswith("_DELETE")


def public_view(state: SimState, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The object as ``*/get/`` returns it: stored fields plus the computed statuses."""
    view = dict(record)
    view["secondary_status"] = secondary_status(state, kind, record)
    return view
