"""Helpers every workflow uses: the TikTok retry policy and typed activity calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import AlertOperations, AudienceOperations
    from models.alerts import Alert

from models.workflows import ADVERTISER_ID as ADVERTISER_ID
from models.workflows import APPROVAL_STATE as APPROVAL_STATE
from models.workflows import CAMPAIGN_NAME as CAMPAIGN_NAME
from models.workflows import validated_input as validated_input  # re-exported for workflows

A = TypeVar("A")
R = TypeVar("R")

# TikTok calls: 1 s doubling to 64 s (the spec's backoff); permanent errors are
# non-retryable ServiceErrors raised by the connector, so they stop at once.
TIKTOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=64),
    maximum_attempts=10,
)


LIVENESS = timedelta(seconds=30)


async def tiktok_activity(
    activity: Callable[[Any, A], Awaitable[R]],
    arg: A,
    *,
    summary: str,
    start_to_close: timedelta,
    heartbeat: timedelta | None = None,
) -> R:
    """Run an activity of ``activities.interfaces`` (e.g. ``EntityOperations.set_status``)
    with the TikTok retry policy; argument and result are type-checked. Every one has a
    heartbeat timeout (30 s unless given; the worker's ``Liveness`` interceptor beats for a live
    one), so that a worker's death is noticed in seconds, not at the start-to-close timeout."""
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=start_to_close,
        heartbeat_timeout=heartbeat or LIVENESS,
        retry_policy=TIKTOK_RETRY,
        summary=summary,
    )


# An alert that cannot even be stored is given up after a few tries: it must not hold the
# workflow that raised it (channels never raise; only the store can fail here).
ALERT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=5)


async def send_alert(alert: Alert) -> None:
    """Raise ``alert`` through the ``send_alert`` activity; a channel that fails (or an alert
    that cannot be stored) never stops the workflow that raised it."""
    try:
        await workflow.execute_activity_method(
            AlertOperations.send_alert,
            alert,
            start_to_close_timeout=timedelta(minutes=2),
            heartbeat_timeout=LIVENESS,
            retry_policy=ALERT_RETRY,
            summary=f"Alert ({alert.level}): {alert.title}"[:200],
        )
    except ActivityError:
        workflow.logger.warning("alert %s could not be sent", alert.kind)


def run_key() -> str:
    """``<workflow id>/<run id>``: the key a run's spool and progress records are kept under."""
    info = workflow.info()
    return f"{info.workflow_id}/{info.run_id}"


async def remove_spool(key: str) -> None:
    """Remove a run's spool and progress records (done, refused or failed); a failure to do so
    is logged, never raised: the retention purge removes stale progress records later."""
    try:
        await workflow.execute_activity_method(
            AudienceOperations.finish_audience_sync,
            key,
            start_to_close_timeout=timedelta(minutes=5),
            heartbeat_timeout=LIVENESS,
            retry_policy=TIKTOK_RETRY,
            summary="Remove the run's spool",
        )
    except ActivityError:
        workflow.logger.warning("the spool of %s could not be removed", key)
