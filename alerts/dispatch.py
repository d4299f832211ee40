"""Sending an alert, and the morning round that sends what night mode held.

``send`` stores an alert once per key and window, holds it for the morning in night mode,
otherwise sends it to every configured channel. Used by the ``send_alert`` activity, the
webhook receiver and the connector's own alerts; a channel's error is recorded on the
alert (``starter.py alerts``), never raised.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from alerts.night import held_until
from alerts.router import channels_from, deliver
from models.alerts import Alert, AlertSent
from settings import Settings
from store import Store, alerts

log = logging.getLogger("alerts")


async def send(store: Store, settings: Settings, alert: Alert, now: datetime) -> AlertSent:
    """Dedupe, hold at night, deliver: what ``send_alert`` does (``now`` aware, for tests)."""
    window = timedelta(minutes=settings.alert_dedupe_minutes)
    hold = held_until(alert.level, now) if settings.alert_night_mode else None
    async with store.session() as session:
        if window and await alerts.recent(session, alert.key(), window) is not None:
            return AlertSent(duplicate=True)
        row = await alerts.add(session, alert, hold)
        assert row.id is not None
        alert_id = row.id
    if hold is not None:
        log.info("alert %s held until %s (night mode)", alert.title, hold.isoformat())
        return AlertSent(alert_id=alert_id, held_until=hold)
    deliveries = await deliver(alert, channels_from(settings))
    async with store.session() as session:
        await alerts.set_deliveries(session, alert_id, deliveries)
    return AlertSent(alert_id=alert_id, deliveries=deliveries)


async def flush_held(store: Store, settings: Settings, now: datetime) -> int:
    """Send the held alerts whose morning has come; how many went."""
    async with store.session() as session:
        due = await alerts.claim_due(session, now)
    for row in due:
        alert = Alert(
            level=row.level,
            kind=row.kind,
            title=row.title,
            body=row.body,
            advertiser_id=row.advertiser_id,
            workflow_id=row.workflow_id,
            dedupe_key=row.dedupe_key,
        )
        deliveries = await deliver(alert, channels_from(settings))
        async with store.session() as session:
            assert row.id is not None
            await alerts.set_deliveries(session, row.id, deliveries)
    return len(due)


async def morning_round(store: Store, settings: Settings, stop: asyncio.Event, every: float = 60) -> None:
    """The worker's background task: every minute, send what night mode held."""
    while not stop.is_set():
        try:
            await flush_held(store, settings, datetime.now(UTC))
        except Exception:
            log.exception("sending held alerts failed; trying again in %.0f s", every)
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            pass
