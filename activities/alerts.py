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
from models.telemetry import ALERTS_SENT
from settings import Settings


class AlertActivities(AlertOperations):
    def __init__(self, deps: Dependencies, clock: type[datetime] = datetime) -> None:
        self.deps = deps
        self.settings = deps.settings or Settings()
        self.clock = clock

    @activity.defn
    async def send_alert(self, alert: Alert) -> AlertSent:
        sent = await send(self.deps.store, self.settings, alert, self.clock.now(UTC))
        outcome = "duplicate" if sent.duplicate else "held" if sent.held_until else "sent"
        counter = activity.metric_meter().create_counter(ALERTS_SENT, "Alerts raised by workflows", "1")
        counter.add(1, {"level": alert.level, "kind": alert.kind, "outcome": outcome})
        return sent
