"""Rate limiting per developer app and per advertiser, per endpoint family.

TikTok counts requests per second (recovering after 1 s) and per minute; we keep sliding
windows of request times per (scope, key, family) and refuse with code 40100 (HTTP 200)
once a window is full. Refused requests are not counted. Limits are the scenario's, and
can be replaced at run time through ``POST /sim/limits``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from simulator.scenario import LimitsSpec

WINDOWS = (("qps", 1.0), ("qpm", 60.0))


@dataclass(frozen=True)
class Refusal:
    """Why a request was throttled: which scope, key and window overflowed."""

    scope: str  # "app" or "advertiser"
    key: str
    family: str
    window: str  # "qps" or "qpm"
    limit: float


class RateLimiter:
    """Sliding-window counters; ``check`` records the request when it is allowed."""

    def __init__(self, spec: LimitsSpec, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.clock = clock
        self._hits: dict[tuple[str, str, str, str], deque[float]] = {}

    def configure(self, spec: LimitsSpec) -> None:
        self.spec = spec
        self._hits.clear()

    def check(self, family: str, app_id: str | None, advertiser_id: str | None) -> Refusal | None:
        """None if the request may proceed (and is then counted), else the first limit it breaks."""
        now = self.clock()
        limit = self.spec.for_family(family)
        windows: list[tuple[tuple[str, str, str, str], float, float, str, str]] = []
        for scope, key in (("app", app_id), ("advertiser", advertiser_id)):
            if not key:
                continue
            for name, seconds in WINDOWS:
                value = getattr(limit, f"{scope}_{name}")
                if value:
                    windows.append(((scope, key, family, name), float(value), seconds, scope, name))
        for ident, value, seconds, scope, name in windows:
            hits = self._hits.setdefault(ident, deque())
            while hits and hits[0] <= now - seconds:
                hits.popleft()
            if len(hits) >= value:
                return Refusal(scope, ident[1], family, name, value)
        for ident, _value, _seconds, _scope, _name in windows:
            self._hits[ident].append(now)
        return None
