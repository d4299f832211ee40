"""Failed and stuck runs of an advertiser, from Temporal's visibility (requirement document
section 14: a failed optimization job is an incident; FR-5: alert on it).

Failed: any run of the advertiser that failed in the last ``FAILED_WITHIN``. Stuck: a run of
a short-lived type still running past what it normally takes (an approval gate included).
Long-lived types (token refresh, launches and recoveries waiting for people) are never stuck.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from models.workflows import ADVERTISER_SYNC, OPTIMIZATION_CYCLE, PRIOR_FIT
from optimizer.anomalies import Anomaly

FAILED_WITHIN = timedelta(hours=3)
STUCK_AFTER = {
    ADVERTISER_SYNC: timedelta(hours=1),
    OPTIMIZATION_CYCLE: timedelta(hours=4),  # pull + decide + an approval gate of up to 24 h is rare
    PRIOR_FIT: timedelta(hours=2),
}


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


async def workflow_problems(
    client: Client, advertiser_id: str, now: datetime, stuck_after: dict[str, timedelta] | None = None
) -> list[Anomaly]:
    """Failed and stuck runs of ``advertiser_id`` (empty where visibility is not available)."""
    limits = stuck_after or STUCK_AFTER
    found: list[Anomaly] = []
    failed = (
        f'AdvertiserId = "{advertiser_id}" AND ExecutionStatus = "Failed" '
        f'AND CloseTime > "{_ts(now - FAILED_WITHIN)}"'
    )
    try:
        async for wf in client.list_workflows(failed, limit=20):
            closed = f"{wf.close_time:%H:%M} UTC" if wf.close_time else "recently"
            message = f"{wf.workflow_type} {wf.id} failed at {closed} (starter.py status {wf.id})"
            found.append(Anomaly("workflow_failed", "critical", None, message, subject=wf.id))
        for workflow_type, limit in limits.items():
            running = (
                f'AdvertiserId = "{advertiser_id}" AND ExecutionStatus = "Running" '
                f'AND WorkflowType = "{workflow_type}" AND StartTime < "{_ts(now - limit)}"'
            )
            async for wf in client.list_workflows(running, limit=20):
                age = (now - wf.start_time).total_seconds() / 3600
                message = (
                    f"{workflow_type} {wf.id} still running after {age:.1f} h: starter.py status {wf.id}"
                )
                found.append(Anomaly("workflow_stuck", "warning", None, message, subject=wf.id))
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:  # the time-skipping test server has no visibility
            raise
    return found
