"""The proactive throttle: keeps calls under TikTok's limits instead of discovering them.

A sliding-window log per key (app + endpoint family, and app + advertiser + family) holds
the send times of recent calls. A call may go when every window it belongs to has room;
otherwise it sleeps until the oldest entry of the fullest window expires. A sliding log
never puts more than ``limit`` calls in *any* window of the given length, fixed or
sliding, which a token bucket with burst capacity cannot promise against a server that
counts in fixed or sliding windows. A small ``margin`` widens each window to absorb the
difference between our send time and TikTok's receive time.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Window:
    """At most ``limit`` calls in any ``seconds``-long window (``limit`` >= 1)."""

    limit: int
    seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.seconds <= 0:
            raise ValueError(f"a window needs limit >= 1 and seconds > 0, got {self.limit}/{self.seconds}s")

    def shared_by(self, processes: int) -> Window:
        """This process's share when ``processes`` processes split one quota statically."""
        return Window(max(1, self.limit // max(1, processes)), self.seconds)


@dataclass
class _Log:
    window: Window
    sent: deque[float] = field(default_factory=deque)

    def prune(self, now: float, margin: float) -> None:
        horizon = now - (self.window.seconds + margin)
        while self.sent and self.sent[0] <= horizon:
            self.sent.popleft()

    def wait(self, now: float, margin: float) -> float:
        """Seconds until one more call fits (0 if it fits now)."""
        self.prune(now, margin)
        if len(self.sent) < self.window.limit:
            return 0.0
        # The call fits once the entry at index len - limit has aged out of the window.
        must_expire = self.sent[len(self.sent) - self.window.limit]
        # Never 0 while full: float rounding must not let a call slip into a full window.
        return max(1e-6, must_expire + self.window.seconds + margin - now)

    def usage(self, now: float, margin: float) -> float:
        self.prune(now, margin)
        return len(self.sent) / self.window.limit


class Throttle:
    """Sliding-window throttle shared by every caller in the process.

    ``acquire(keys)`` waits until every ``(key, window)`` has room and then records the
    call in all of them at once, so a call never holds a slot it has not used yet.
    The clock and sleep are injectable for deterministic tests.
    """

    def __init__(
        self,
        *,
        margin: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._logs: dict[tuple[Hashable, Window], _Log] = {}
        self._lock = asyncio.Lock()

    def _log(self, key: Hashable, window: Window) -> _Log:
        found = self._logs.get((key, window))
        if found is None:
            found = self._logs[(key, window)] = _Log(window)
        return found

    async def acquire(self, scopes: Sequence[tuple[Hashable, Sequence[Window]]]) -> float:
        """Wait for room in every window of every scope; returns the seconds waited."""
        waited = 0.0
        while True:
            async with self._lock:
                now = self._clock()
                logs = [self._log(key, w) for key, windows in scopes for w in windows]
                delay = max((log.wait(now, self.margin) for log in logs), default=0.0)
                if delay <= 0:
                    for log in logs:
                        log.sent.append(now)
                    return waited
            await self._sleep(delay)
            waited += delay

    def usage(self, key: Hashable, window: Window) -> float:
        """Fraction of ``window`` used by ``key`` right now (0.0 to 1.0)."""
        return self._log(key, window).usage(self._clock(), self.margin)

    def sent_times(self, key: Hashable, window: Window) -> list[float]:
        """Send times still inside the window (for tests and diagnostics)."""
        return list(self._log(key, window).sent)
