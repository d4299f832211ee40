"""The proactive throttle: keeps calls under TikTok's limits instead of discovering them.

A sliding-window log per key (app + endpoint family, and app + advertiser + family) holds
recent calls. A call may go when every window it belongs to has room; otherwise it sleeps
until enough entries have aged out. Each entry is stamped with the time its *answer*
arrived (an unanswered call counts as "now"), which is never earlier than the moment
TikTok counted it: so however the network delays a request, TikTok never sees more than
``limit`` calls in any window of the given length, fixed or sliding. A token bucket with
burst capacity cannot promise that. ``margin`` widens each window a little further for
clock granularity.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field

IN_FLIGHT_POLL = 0.005


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


class _Entry:
    """One call in a window: ``at`` is +inf while in flight, then the answer's arrival time."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = math.inf


@dataclass
class _Log:
    window: Window
    entries: deque[_Entry] = field(default_factory=deque)

    def prune(self, now: float, margin: float) -> None:
        horizon = now - (self.window.seconds + margin)
        if any(e.at <= horizon for e in self.entries):
            self.entries = deque(e for e in self.entries if e.at > horizon)

    def wait(self, now: float, margin: float) -> float:
        """Seconds until one more call fits (0 if it fits now)."""
        self.prune(now, margin)
        over = len(self.entries) - self.window.limit + 1  # entries that must age out first
        if over <= 0:
            return 0.0
        finished = sorted(e.at for e in self.entries if e.at != math.inf)
        if len(finished) < over:
            return IN_FLIGHT_POLL  # the window is full of unanswered calls: wait for answers
        # Never 0 while full: float rounding must not let a call slip into a full window.
        return max(1e-6, finished[over - 1] + self.window.seconds + margin - now)

    def usage(self, now: float, margin: float) -> float:
        self.prune(now, margin)
        return len(self.entries) / self.window.limit


@dataclass
class Ticket:
    """The entries a call holds; :meth:`Throttle.done` stamps them with the answer's time."""

    entries: list[_Entry]
    waited: float


class Throttle:
    """Sliding-window throttle shared by every caller in the process.

    ``acquire(scopes)`` waits until every ``(key, window)`` has room, then records the call
    in all of them at once, so a call never holds a slot it has not used yet. The clock
    and sleep are injectable for deterministic tests.
    """

    def __init__(
        self,
        *,
        margin: float = 0.01,
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

    async def acquire(self, scopes: Sequence[tuple[Hashable, Sequence[Window]]]) -> Ticket:
        """Wait for room in every window of every scope; the ticket says how long it waited."""
        waited = 0.0
        while True:
            async with self._lock:
                now = self._clock()
                logs = [self._log(key, w) for key, windows in scopes for w in windows]
                delay = max((log.wait(now, self.margin) for log in logs), default=0.0)
                if delay <= 0:
                    entries = []
                    for log in logs:
                        entry = _Entry()
                        log.entries.append(entry)
                        entries.append(entry)
                    return Ticket(entries, waited)
            await self._sleep(delay)
            waited += delay

    def done(self, ticket: Ticket) -> None:
        """The call's answer (or failure) arrived: its entries start to age from now."""
        now = self._clock()
        for entry in ticket.entries:
            entry.at = now

    def usage(self, key: Hashable, window: Window) -> float:
        """Fraction of ``window`` used by ``key`` right now (0.0 to 1.0)."""
        return self._log(key, window).usage(self._clock(), self.margin)
