"""What each event type becomes once it is stored: a signal to the workflow that owns it.

- ``ad.review_status_update``: the verdict of a replacement ad goes to the recovery that
  watches it; a rejection of any other ad signal-with-starts ``recover-<ad id>``; an
  approval nobody waits for is only stored.
- ``authorization.removed``: the advertiser is marked disconnected, its schedules paused,
  a critical alert raised.
- ``lead.create``: the lead is stored (fields encrypted) and forwarded after the answer.
Nothing here calls TikTok.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from temporalio.client import Client

from models.alerts import Alert
from models.recovery import ReviewUpdate
from models.recovery_tables import LeadRow
from schedules import pause_advertiser_schedules
from settings import Settings
from store import Store, TokenCipher, alerts, events
from temporal_client import hand_off_review, recovery_input, signal_review
from webhooks.events import WebhookEvent

log = logging.getLogger("webhooks")


class Handoff:
    """Hands stored events to their workflows; one per receiver process."""

    def __init__(self, store: Store, client: Client, settings: Settings, cipher: TokenCipher) -> None:
        self.store, self.client, self.settings, self.cipher = store, client, settings, cipher

    async def __call__(self, event: WebhookEvent) -> tuple[str | None, str | None]:
        """``(workflow id it went to, lead id to forward)``."""
        if event.event_type == "ad.review_status_update":
            return await self.review(event), None
        if event.event_type == "authorization.removed":
            await self.authorization_removed(event)
            return None, None
        if event.event_type == "lead.create":
            return None, await self.lead(event)
        return None, None

    async def review(self, event: WebhookEvent) -> str | None:
        ad_id, adv = event.ad_id, event.advertiser_id
        status = str(event.data.get("review_status") or "").upper()
        if not ad_id or not adv or status not in ("APPROVED", "REJECTED", "IN_REVIEW"):
            log.warning("review event %s lacks ad_id, advertiser_id or a known review_status", event.event_id)
            return None
        reason = event.data.get("reject_reason")
        update = ReviewUpdate(
            event_id=event.event_id,
            ad_id=ad_id,
            review_status=status,
            reject_reason=str(reason) if reason else None,
        )
        async with self.store.session() as session:
            owner = await events.watcher(session, ad_id)
        if owner:
            await signal_review(self.client, owner, update)
            return owner
        if status != "REJECTED":
            return None
        inp = recovery_input(self.settings, adv, ad_id, "webhook", update)
        workflow_id = await hand_off_review(self.client, self.settings.task_queue, inp, update)
        async with self.store.session() as session:
            await events.note_handoff(session, workflow_id, adv, ad_id, update.reject_reason)
        return workflow_id

    async def authorization_removed(self, event: WebhookEvent) -> None:
        adv = event.advertiser_id
        if not adv:
            log.warning("authorization.removed %s names no advertiser", event.event_id)
            return
        async with self.store.session() as session:
            await events.mark_disconnected(session, adv)
        paused = await pause_advertiser_schedules(
            self.client, adv, note=f"paused: TikTok authorization removed (event {event.event_id})"
        )
        alert = Alert(
            level="critical",
            kind="authorization_removed",
            title=f"Advertiser {adv} removed the app's access",
            body=f"TikTok sent authorization.removed. Paused: {', '.join(paused) or 'no schedules'}. "
            "Reconnect with starter.py connect, then resume the schedules.",
            advertiser_id=adv,
            dedupe_key=f"authorization_removed/{adv}/{event.event_id}",
        )
        async with self.store.session() as session:
            await alerts.add(session, alert)
        log.critical("%s: %s", alert.title, alert.body)

    async def lead(self, event: WebhookEvent) -> str | None:
        data = event.data
        lead_id = str(data.get("lead_id") or data.get("id") or event.event_id)
        fields: dict[str, Any] = events.lead_fields(data)
        row = LeadRow(
            lead_id=lead_id,
            advertiser_id=event.advertiser_id,
            ad_id=event.ad_id,
            fields_enc=self.cipher.encrypt(json.dumps(fields)),
        )
        async with self.store.session() as session:
            new = await events.save_lead(session, row)
        return lead_id if new else None
