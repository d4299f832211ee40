"""``Liveness``: a worker interceptor that heartbeats for every running async activity that has
a heartbeat timeout, whenever the activity itself has not for a few seconds (re-sending its
last details, so that what the UI shows stays the activity's own).

Why: a worker killed mid-activity leaves the task "started" until a timeout expires. Without a
heartbeat timeout that is the start-to-close timeout (5 to 30 minutes here); with one, another
worker retries within it. Every TikTok activity gets a 30 s heartbeat timeout
(``workflows.common.tiktok_activity``), and this interceptor keeps a live one from tripping it
while it waits on TikTok, the database or a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

EVERY = 5.0


class Liveness(Interceptor):
    def __init__(self, every: float = EVERY) -> None:
        self.every = every

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Inbound(next, self.every)


class _Outbound(ActivityOutboundInterceptor):
    """Remembers when the activity last heartbeated, and with what."""

    def __init__(self, next: ActivityOutboundInterceptor) -> None:
        super().__init__(next)
        self.last = time.monotonic()
        self.details: tuple[Any, ...] = ()

    def heartbeat(self, *details: Any) -> None:
        self.last, self.details = time.monotonic(), details
        self.next.heartbeat(*details)


class _Inbound(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, every: float) -> None:
        super().__init__(next)
        self.every = every
        self.outbound: _Outbound | None = None

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        self.outbound = _Outbound(outbound)
        self.next.init(self.outbound)

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        outbound = self.outbound
        if outbound is None or activity.info().heartbeat_timeout is None or not _is_async(input.fn):
            return await self.next.execute_activity(input)

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.every)
                if time.monotonic() - outbound.last >= self.every:
                    outbound.heartbeat(*(outbound.details or ({"alive": True},)))

        task = asyncio.create_task(beat())
        try:
            return await self.next.execute_activity(input)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _is_async(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn)
