"""What each event type becomes once it is stored: a signal to the workflow that owns it.

- ``ad.review_status_update``: the verdict of a replacement ad goes to the recovery that
  watches it; a rejection of any other ad signal-with-starts ``recover-<ad id>``; an
  approval nobody waits for is only stored.
- ``authorization.removed``: the advertiser's schedules are paused, the advertiser marked
  disconnected, a critical alert raised.
- ``lead.create``: the lead is stored (fields encrypted) with the event, before the answer,
  and forwarded to the configured lead webhook after it.

A hand-off takes three steps so that the database sees two short transactions whatever the
type: ``prepare`` reads what it needs in the transaction that claims the hand-off,
``send`` makes the Temporal calls (no database), ``finish`` writes the results in the
transaction that marks the event handed off. Nothing here calls TikTok.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from models.alerts import Alert
from models.recovery import ReviewUpdate
from models.recovery_tables import LeadRow
from schedules import pause_advertiser_schedules
from settings import Settings
from store import TokenCipher, alerts, events
from temporal_client import hand_off_review, recovery_input, signal_review
from webhooks.events import WebhookEvent

log = logging.getLogger("webhooks")


@dataclass
class Outcome:
    """What one event's hand-off did, for ``finish`` and the answer."""

    workflow_id: str | None = None
    watcher: str | None = None
    paused: list[str] = field(default_factory=list)
    update: ReviewUpdate | None = None


class Handoff:
    """Hands stored events to their workflows; one per receiver process."""

    def __init__(self, client: Client, settings: Settings, cipher: TokenCipher) -> None:
        self.client, self.settings, self.cipher = client, settings, cipher

    async def prepare(self, session: AsyncSession, event: WebhookEvent) -> Outcome:
        """Reads in the claiming transaction: which recovery watches a reviewed ad."""
        outcome = Outcome()
        if event.event_type == "ad.review_status_update" and event.ad_id:
            outcome.watcher = await events.watcher(session, event.ad_id)
        return outcome

    async def send(self, event: WebhookEvent, outcome: Outcome) -> Outcome:
        """The Temporal calls; raises when Temporal cannot be reached (the event stays unhanded)."""
        if event.event_type == "ad.review_status_update":
            await self._review(event, outcome)
        elif event.event_type == "authorization.removed" and event.advertiser_id:
            note = f"paused: TikTok authorization removed (event {event.event_id})"
            outcome.paused = await pause_advertiser_schedules(self.client, event.advertiser_id, note=note)
        return outcome

    async def store_lead(self, session: AsyncSession, event: WebhookEvent) -> str:
        """A ``lead.create``'s lead, encrypted, in the transaction that stores the event."""
        fields: dict[str, Any] = events.lead_fields(event.data)
        row = LeadRow(
            lead_id=event.lead_id,
            advertiser_id=event.advertiser_id,
            ad_id=event.ad_id,
            fields_enc=self.cipher.encrypt(json.dumps(fields)),
        )
        await events.save_lead(session, row)
        return event.lead_id

    async def finish(self, session: AsyncSession, event: WebhookEvent, outcome: Outcome) -> None:
        """The hand-off's results, written with the mark."""
        adv = event.advertiser_id
        if event.event_type == "ad.review_status_update" and outcome.update and not outcome.watcher and adv:
            if outcome.workflow_id and event.ad_id:
                reason = outcome.update.reject_reason
                await events.note_handoff(session, outcome.workflow_id, adv, event.ad_id, reason)
        elif event.event_type == "authorization.removed" and adv:
            await events.mark_disconnected(session, adv)
            alert = Alert(
                level="critical",
                kind="authorization_removed",
                title=f"Advertiser {adv} removed the app's access",
                body=f"TikTok sent authorization.removed. Paused: {', '.join(outcome.paused) or 'nothing'}. "
                "Reconnect with starter.py token connect, then resume the schedules.",
                advertiser_id=adv,
                dedupe_key=f"authorization_removed/{adv}/{event.event_id}",
            )
            await alerts.add(session, alert)
            log.critical("%s: %s", alert.title, alert.body)
        await events.mark_handed_off(session, event.event_id, outcome.workflow_id)

    async def _review(self, event: WebhookEvent, outcome: Outcome) -> None:
        ad_id, adv = event.ad_id, event.advertiser_id
        status = str(event.data.get("review_status") or "").upper()
        if not ad_id or not adv or status not in ("APPROVED", "REJECTED", "IN_REVIEW"):
            log.warning("review event %s lacks ad_id, advertiser_id or a known review_status", event.event_id)
            return
        reason = event.data.get("reject_reason")
        update = ReviewUpdate(
            event_id=event.event_id,
            ad_id=ad_id,
            review_status=status,
            reject_reason=str(reason) if reason else None,
        )
        outcome.update = update
        if outcome.watcher:
            await signal_review(self.client, outcome.watcher, update)
            outcome.workflow_id = outcome.watcher
        elif status == "REJECTED":
            inp = recovery_input(self.settings, adv, ad_id, "webhook", update)
            outcome.workflow_id = await hand_off_review(self.client, self.settings.task_queue, inp, update)
