"""``send_alert``: store an alert once per key and window, then send it on.

The store row is the record (``starter.py alerts``); the log line is the first channel.
Alert delivery never fails the workflow that raised it: a channel's error is recorded on
the alert, not raised.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import AlertOperations
from models.alerts import Alert, AlertSent
from store import alerts

log = logging.getLogger("alerts")
LOG_LEVELS = {"critical": logging.CRITICAL, "warning": logging.WARNING, "info": logging.INFO}
DEDUPE_WINDOW = timedelta(minutes=30)


class AlertActivities(AlertOperations):
    def __init__(self, deps: Dependencies, window: timedelta = DEDUPE_WINDOW) -> None:
        self.deps = deps
        self.window = window

    @activity.defn
    async def send_alert(self, alert: Alert) -> AlertSent:
        async with self.deps.store.session() as session:
            if await alerts.recent(session, alert.key(), self.window) is not None:
                return AlertSent(duplicate=True)
            row = await alerts.add(session, alert)
            assert row.id is not None
            alert_id = row.id
        log.log(LOG_LEVELS[alert.level], "[%s] %s: %s", alert.level.upper(), alert.title, alert.body)
        deliveries = {"log": "sent"}
        async with self.deps.store.session() as session:
            await alerts.set_deliveries(session, alert_id, deliveries)
        return AlertSent(alert_id=alert_id, deliveries=deliveries)
