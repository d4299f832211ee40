"""Rate-limit configuration: endpoint families and their per-app / per-advertiser windows.

TikTok limits calls per developer app and per advertiser, per endpoint, per second and
per minute (TikTok's rate-limit page; docs/connector.md). The values are configuration
(``TTADS_RATE_LIMITS``), with defaults at TikTok's Basic tier for both scopes (10 calls/s,
600/min), so that several advertisers together stay inside one app's quota unless
configured otherwise; a family
(and the Events API's 1,000/s) can be set apart. The throttle turns them into
:class:`Window` s; ``null`` lifts a limit.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from connector.throttle import Window

# Longest prefix first where prefixes overlap ("report/task/" before "report/").
FAMILIES: tuple[tuple[str, str], ...] = (
    ("oauth2/", "oauth"),
    ("advertiser/", "account"),
    ("campaign/", "management"),
    ("adgroup/", "management"),
    ("ad/", "management"),
    ("file/", "file"),
    ("report/task/", "report_task"),
    ("report/", "report"),
    ("dmp/", "audience"),
    ("segment/", "audience"),
    ("event/", "event"),
    ("pixel/", "event"),
)


def family_of(path: str) -> str:
    """The endpoint family of an API path such as ``campaign/get/``."""
    path = path.lstrip("/")
    for prefix, family in FAMILIES:
        if path.startswith(prefix):
            return family
    return "other"


class FamilyLimit(BaseModel):
    """Calls per second / minute; None means no limit at that scope."""

    model_config = ConfigDict(extra="forbid")

    advertiser_qps: int | None = Field(default=10, ge=1)
    advertiser_qpm: int | None = Field(default=600, ge=1)
    app_qps: int | None = Field(default=10, ge=1, description="TikTok's Basic tier per developer app")
    app_qpm: int | None = Field(default=600, ge=1)


class RateLimits(BaseModel):
    """Limits per endpoint family, with a default for families not listed."""

    model_config = ConfigDict(extra="forbid")

    default: FamilyLimit = Field(default_factory=FamilyLimit)
    families: dict[str, FamilyLimit] = Field(
        default_factory=lambda: {
            "event": FamilyLimit(advertiser_qps=None, advertiser_qpm=None, app_qps=1000, app_qpm=60000)
        }
    )

    def for_family(self, family: str) -> FamilyLimit:
        return self.families.get(family, self.default)

    def scopes(
        self, app_id: str, advertiser_id: str | None, family: str, *, processes: int = 1
    ) -> list[tuple[Hashable, Sequence[Window]]]:
        """The throttle scopes a call belongs to, each with its windows (split across processes)."""
        limit = self.for_family(family)
        out: list[tuple[Hashable, Sequence[Window]]] = []
        app = _windows(limit.app_qps, limit.app_qpm, processes)
        if app:
            out.append((("app", app_id, family), app))
        if advertiser_id:
            adv = _windows(limit.advertiser_qps, limit.advertiser_qpm, processes)
            if adv:
                out.append((("advertiser", app_id, advertiser_id, family), adv))
        return out


def _windows(qps: int | None, qpm: int | None, processes: int) -> list[Window]:
    out = []
    if qps:
        out.append(Window(qps, 1.0).shared_by(processes))
    if qpm:
        out.append(Window(qpm, 60.0).shared_by(processes))
    return out
