"""What a run costs, read from what it left behind: Temporal Cloud's billable actions and the
size of a workflow's history, and the least time a set of TikTok calls needs at the
connector's rate limits. Shared by the speed benchmark and the big-account test."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from connector.limits import RateLimits, family_of

# History events that Temporal Cloud bills as one action each (docs.temporal.io/cloud/actions).
# Activity heartbeats and queries are billed too but leave nothing in history; an activity
# retry shows as one ActivityTaskStarted whose ``attempt`` counts the tries.
BILLED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: "workflow started",
    EventType.EVENT_TYPE_TIMER_STARTED: "timer started",
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "search attributes upserted",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signal",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "update",
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: "child workflow (2 actions)",
}


def billable_actions(history: WorkflowHistory) -> Counter[str]:
    """Temporal Cloud actions one run recorded in its history, by kind."""
    out: Counter[str] = Counter()
    marker_tasks: set[int] = set()
    for event in history.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            out["activity started or retried"] += max(1, event.activity_task_started_event_attributes.attempt)
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:  # local activities: one per workflow task
            marker_tasks.add(event.marker_recorded_event_attributes.workflow_task_completed_event_id)
        elif kind in BILLED:
            out[BILLED[kind]] += (
                2 if kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED else 1
            )
    if marker_tasks:
        out["local activities"] = len(marker_tasks)
    return out


def history_bytes(history: WorkflowHistory) -> int:
    """The history's size as the server stores it (protobuf), which its limits are about."""
    return sum(event.ByteSize() for event in history.events)


def floor_seconds(calls: Mapping[str, int], limits: RateLimits) -> float:
    """The least time ``calls`` need at ``limits``; keys are "<advertiser> <API path>" (the
    simulator's ``requests_by_advertiser_path``). For each family and scope, n calls through
    a window of w per s seconds need (ceil(n / w) - 1) * s; the answer is the largest, as if
    every family ran at full speed side by side: a bound no real run beats."""

    def need(n: int, per: int | None, seconds: float) -> float:
        return (math.ceil(n / per) - 1) * seconds if per and n else 0.0

    app: Counter[str] = Counter()
    advertiser: Counter[tuple[str, str]] = Counter()
    for key, n in calls.items():
        who, path = key.split(" ", 1)
        app[family_of(path)] += n
        advertiser[who, family_of(path)] += n
    worst = 0.0
    for family, n in app.items():
        limit = limits.for_family(family)
        worst = max(worst, need(n, limit.app_qps, 1.0), need(n, limit.app_qpm, 60.0))
    for (_who, family), n in advertiser.items():
        limit = limits.for_family(family)
        worst = max(worst, need(n, limit.advertiser_qps, 1.0), need(n, limit.advertiser_qpm, 60.0))
    return worst
