"""``send_alert``: the activity workflows raise alerts through (``alerts.dispatch.send``).

Alert delivery never fails the workflow that raised it: a channel's error is recorded on
the alert (``starter.py alerts``), not raised.
"""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import AlertOperations
from alerts.dispatch import send
from models.alerts import Alert, AlertSent
from settings import Settings


class AlertActivities(AlertOperations):
    def __init__(self, deps: Dependencies, clock: type[datetime] = datetime) -> None:
        self.deps = deps
        self.settings = deps.settings or Settings()
        self.clock = clock

    @activity.defn
    async def send_alert(self, alert: Alert) -> AlertSent:
        return await send(self.deps.store, self.settings, alert, self.clock.now(UTC))
