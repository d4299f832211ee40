"""Sleeping inside an activity without outliving its heartbeat timeout."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from temporalio import activity

HEARTBEAT_EVERY = 5.0


def beat(detail: str) -> None:
    """Heartbeat when running in an activity (before every TikTok call), so that an activity
    with a heartbeat timeout is declared lost within that timeout when its worker dies."""
    if activity.in_activity():
        activity.heartbeat({"calling": detail})


async def sleep_with_heartbeat(seconds: float) -> None:
    """``asyncio.sleep``, heartbeating every few seconds when running in an activity."""
    if not activity.in_activity():
        await asyncio.sleep(seconds)
        return
    remaining = seconds
    while remaining > 0:
        step = min(remaining, HEARTBEAT_EVERY)
        await asyncio.sleep(step)
        remaining -= step
        activity.heartbeat({"waiting": "tiktok rate limit or backoff", "remaining_s": round(remaining, 1)})


@contextlib.asynccontextmanager
async def beating(details: Callable[[], Any], every: float = HEARTBEAT_EVERY) -> AsyncIterator[None]:
    """Heartbeat ``details()`` every ``every`` seconds while the block runs (a long upload or
    a slow source sends no heartbeat of its own), so that a short heartbeat timeout notices a
    dead worker quickly without cutting a live one off."""
    if not activity.in_activity():
        yield
        return

    async def tick() -> None:
        while True:
            await asyncio.sleep(every)
            activity.heartbeat(details())

    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
