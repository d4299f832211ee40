"""Helpers every workflow uses: search attribute keys and the default activity retry policy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from models.workflows import ADVERTISER_ID as ADVERTISER_ID
from models.workflows import APPROVAL_STATE as APPROVAL_STATE
from models.workflows import CAMPAIGN_NAME as CAMPAIGN_NAME
from models.workflows import validated_input as validated_input  # re-exported for workflows

# TikTok calls: 1 s doubling to 64 s (the spec's backoff); permanent errors are
# non-retryable ApplicationErrors raised by the connector, so they stop at once.
TIKTOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=64),
    maximum_attempts=10,
)


async def tiktok_activity(
    name: str,
    arg: Any,
    result_type: Any,
    *,
    summary: str,
    start_to_close: timedelta,
    heartbeat: timedelta | None = None,
) -> Any:
    """Run an activity that calls TikTok, by name, with the TikTok retry policy."""
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=start_to_close,
        heartbeat_timeout=heartbeat,
        retry_policy=TIKTOK_RETRY,
        summary=summary,
    )
