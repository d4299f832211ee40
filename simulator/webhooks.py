"""Webhook deliveries: events signed with the app secret, POSTed to the receiver, retried.

Body (the requirement document's section 23.6 shape)::

    {"event_type": "ad.review_status_update", "event_id": "evt_...", "timestamp": 1767225600,
     "data": {...}}

Signature, per ``WebhookSpec.signature``:
- ``tiktok`` (default; TikTok's published webhook scheme): header
  ``TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``;
- ``spec`` (section 23.6): header ``X-TikTok-Signature: sha256=<hex HMAC-SHA256(secret,
  raw body)>``; the signed body's ``timestamp`` is the one to check (also sent as
  ``X-TikTok-Timestamp``).

Each attempt is stamped and signed anew (a retry hours later is not stale); the event id
stays the same. A receiver that answers anything but 2xx, or does not answer within
``timeout_seconds``, gets the event again after ``retry_base_seconds`` doubling up to
``retry_max_seconds``, at most ``max_attempts`` times (TikTok retries for 72 hours; the
simulator compresses that). ``drop_next`` loses the next events outright (a webhook that
never comes); ``duplicate_next`` sends the next events twice. Deliveries are runtime
state: a restart forgets the ones still pending, as a lost webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger("simulator.webhooks")

MAX_LOG = 5000
EVENT_TYPES = ("ad.review_status_update", "lead.create", "authorization.removed")


class WebhookSpec(BaseModel):
    """Where and how events are delivered (``POST /sim/webhook``)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, description="the receiver; None: events are only logged")
    secret: str | None = Field(default=None, description="signing key; None: the first app's secret")
    signature: Literal["tiktok", "spec"] = "tiktok"
    timeout_seconds: float = Field(default=3.0, gt=0)
    max_attempts: int = Field(default=8, ge=1)
    retry_base_seconds: float = Field(default=0.5, gt=0)
    retry_max_seconds: float = Field(default=30.0, gt=0)
    drop_next: int = Field(default=0, ge=0, description="lose the next N events")
    duplicate_next: int = Field(default=0, ge=0, description="send the next N events twice")


def sign(secret: str, body: bytes, timestamp: int, scheme: str) -> dict[str, str]:
    """The signature headers of ``body`` under ``scheme``."""
    if scheme == "spec":
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {"X-TikTok-Signature": f"sha256={digest}", "X-TikTok-Timestamp": str(timestamp)}
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"TikTok-Signature": f"t={timestamp},s={digest}"}


@dataclass
class Delivery:
    """One event's fate, for ``GET /sim/webhook/deliveries``."""

    event_id: str
    event_type: str
    data: dict[str, Any]
    copies: int = 1
    attempts: int = 0
    answers: list[str] = field(default_factory=list)
    state: str = "pending"  # pending | delivered | failed | dropped | no_receiver
    next_at: float = 0.0
    in_flight: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "data": self.data,
            "copies": self.copies,
            "attempts": self.attempts,
            "answers": self.answers,
            "state": self.state,
        }


class WebhookOutbox:
    """Events waiting to go out and the log of those that went; ``run`` delivers them."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []

    def emit(self, spec: WebhookSpec, event_type: str, data: dict[str, Any]) -> Delivery:
        """Queue one event (or drop or duplicate it, as the admin switches say)."""
        delivery = Delivery(event_id=f"evt_{uuid.uuid4().hex}", event_type=event_type, data=data)
        if spec.drop_next:
            spec.drop_next -= 1
            delivery.state = "dropped"
        elif spec.url is None:
            delivery.state = "no_receiver"
        elif spec.duplicate_next:
            spec.duplicate_next -= 1
            delivery.copies = 2
        self.deliveries.append(delivery)
        if len(self.deliveries) > MAX_LOG:  # keep the log bounded: forget the oldest finished ones
            finished = [d for d in self.deliveries if d.state != "pending"]
            forget = {id(d) for d in finished[: len(self.deliveries) - MAX_LOG // 2]}
            self.deliveries = [d for d in self.deliveries if id(d) not in forget]
        return delivery

    def due(self, now: float) -> list[Delivery]:
        return [d for d in self.deliveries if d.state == "pending" and not d.in_flight and d.next_at <= now]

    async def send(self, http: httpx.AsyncClient, spec: WebhookSpec, secret: str, delivery: Delivery) -> None:
        """One attempt (all copies); success or the next retry time recorded on ``delivery``."""
        delivery.in_flight = True
        try:
            ok = True
            for _ in range(delivery.copies):
                stamp = int(time.time())
                body = json.dumps(
                    {
                        "event_type": delivery.event_type,
                        "event_id": delivery.event_id,
                        "timestamp": stamp,
                        "data": delivery.data,
                    },
                    separators=(",", ":"),
                ).encode()
                headers = {"Content-Type": "application/json", **sign(secret, body, stamp, spec.signature)}
                try:
                    answer = await http.post(
                        str(spec.url), content=body, headers=headers, timeout=spec.timeout_seconds
                    )
                    delivery.answers.append(str(answer.status_code))
                    ok = ok and answer.is_success
                except httpx.HTTPError as exc:
                    delivery.answers.append(type(exc).__name__)
                    ok = False
            delivery.attempts += 1
            if ok:
                delivery.state = "delivered"
            elif delivery.attempts >= spec.max_attempts:
                delivery.state = "failed"
                log.warning("webhook %s given up after %d attempts", delivery.event_id, delivery.attempts)
            else:
                wait = min(spec.retry_base_seconds * 2 ** (delivery.attempts - 1), spec.retry_max_seconds)
                delivery.next_at = time.monotonic() + wait
        finally:
            delivery.in_flight = False


async def deliver_forever(outbox: WebhookOutbox, spec_of: Any, secret_of: Any, tick: float = 0.05) -> None:
    """Send due deliveries every ``tick`` seconds until cancelled (the app's lifespan task).

    ``spec_of()`` and ``secret_of()`` read the current settings, which the admin API may
    replace at any time."""
    tasks: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient() as http:
        try:
            while True:
                spec: WebhookSpec = spec_of()
                for delivery in outbox.due(time.monotonic()):
                    task = asyncio.create_task(outbox.send(http, spec, secret_of(), delivery))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                await asyncio.sleep(tick)
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks, return_exceptions=True)
