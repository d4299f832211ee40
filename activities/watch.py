"""Alerts the TikTok client raises about itself (requirement document section 14): an
advertiser's circuit opening after 5 consecutive failures (critical) and rate-limit usage
above 80 % (warning). The client calls these hooks synchronously from its hot path, so
they only schedule the alert; each key goes out at most once a minute from this process
(the store's dedupe window then keeps it to once per window across processes)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from alerts.dispatch import send
from models.alerts import Alert, Level
from settings import Settings
from store import Store

log = logging.getLogger("alerts")
LOCAL_SPACING = 60.0


class ConnectorAlerts:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self._last: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def circuit_open(self, advertiser_id: str, failures: int) -> None:
        self._raise(
            "critical",
            "api_failures",
            f"TikTok calls for advertiser {advertiser_id} failed {failures} times in a row",
            "The circuit is open: calls for this advertiser fail at once and are retried after the "
            "cool-down. Check TikTok's status, the account, and the connector's error counts.",
            advertiser_id,
        )

    def high_usage(self, family: str, advertiser_id: str, fraction: float) -> None:
        self._raise(
            "warning",
            "rate_limit_usage",
            f"Rate-limit usage {fraction:.0%} for advertiser {advertiser_id} ({family})",
            "Above 80 % of the per-minute quota: calls will start to wait in the throttle. "
            "Spread schedules, or raise the limits if TikTok granted a higher tier.",
            advertiser_id,
            key=f"rate_limit_usage/{advertiser_id}/{family}",
        )

    def _raise(
        self, level: Level, kind: str, title: str, body: str, advertiser_id: str, key: str | None = None
    ) -> None:
        key = key or f"{kind}/{advertiser_id}"
        now = time.monotonic()
        if now - self._last.get(key, -LOCAL_SPACING) < LOCAL_SPACING:
            return
        self._last[key] = now
        alert = Alert(
            level=level, kind=kind, title=title, body=body, advertiser_id=advertiser_id, dedupe_key=key
        )
        try:
            task = asyncio.get_running_loop().create_task(self._send(alert))
        except RuntimeError:  # no loop (a synchronous caller): log only
            log.warning("%s: %s", title, body)
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, alert: Alert) -> None:
        try:
            await send(self.store, self.settings, alert, datetime.now(UTC))
        except Exception:
            log.exception("alert %s could not be stored or sent", alert.kind)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
