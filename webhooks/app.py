"""The webhook receiver: ``POST /webhook/tiktok``.

One pipeline, in this order: size (413) -> signature against every configured secret, in
constant time (401, no detail) -> JSON shape (400, the field named) -> timestamp within the
window (401) -> store each event by id in one transaction (a lead with its fields; a replay
is acknowledged and ignored) -> 200. Then, after the answer, the hand-off to the owning
workflow (``webhooks.handoff``): claimed by one process, sent, marked. A hand-off that fails
(Temporal unreachable, the process stopped) is picked up by the sweep every few seconds, so
an acknowledged event is never lost and never handed off twice at once. Nothing here calls
TikTok, and the answer waits for one short transaction only. Refusals are logged with
their reason and counted (``GET /webhook/stats``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from temporalio.client import Client
from temporalio.common import MetricMeter

from alerts.dispatch import send
from models.alerts import Alert
from models.recovery_tables import LeadRow, WebhookEventRow
from models.tables import utcnow
from models.telemetry import WEBHOOK_DELIVERIES
from settings import Settings
from store import Store, TokenCipher, events
from webhooks.events import BadEvent, WebhookEvent, parse
from webhooks.handoff import Handoff
from webhooks.signature import SignatureError, verify
from webhooks.slack import slack_router

log = logging.getLogger("webhooks")
PATH = "/webhook/tiktok"
SWEEP_SECONDS = 5.0
DRAIN_SECONDS = 10.0


def _refuse(count: Callable[[str], None], status: int, reason: str, kind: str) -> Response:
    count(kind)
    log.warning("webhook refused (%d %s): %s", status, kind, reason)
    if status == 400:  # the sender may learn what is malformed, never why a signature failed
        return JSONResponse({"error": reason}, status_code=400)
    return Response(status_code=status)


async def _body(request: Request, limit: int) -> bytes | None:
    """The raw body, or None as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    client: Client | None = None,
    cipher: TokenCipher | None = None,
    connect: Callable[[Settings], Awaitable[Client]] | None = None,
    sweep_seconds: float = SWEEP_SECONDS,
    meter: MetricMeter | None = None,
) -> FastAPI:
    """The receiver. Tests pass ``store`` and ``client``; a process connects at startup.
    ``meter``: where ``webhook_deliveries{outcome}`` is counted (the process's Prometheus)."""
    state: dict[str, Any] = {"store": store, "client": client}
    stats: Counter[str] = Counter()
    deliveries = (meter or MetricMeter.noop).create_counter(
        WEBHOOK_DELIVERIES, "Webhook deliveries by outcome (accepted, duplicate, bad_signature, ...)", "1"
    )

    def count(outcome: str) -> None:
        stats[outcome] += 1
        deliveries.add(1, {"outcome": outcome})

    tasks: set[asyncio.Task[None]] = set()

    def background(work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def hand_off(event: WebhookEvent) -> None:
        """Claim, hand off, mark: after the answer; a failure is left to the sweep."""
        handoff: Handoff = state["handoff"]
        store: Store = state["store"]
        try:
            async with store.session() as session:
                if not await events.claim_handoff(session, event.event_id):
                    return  # another process (or an earlier delivery) has it
                outcome = await handoff.prepare(session, event)
            await handoff.send(event, outcome)
            async with store.session() as session:
                await handoff.finish(session, event, outcome)
        except Exception:
            count("handoff_failed")
            log.exception("hand-off of %s failed; the sweep tries again", event.event_id)
            return
        count("handed_off")
        if event.event_type == "lead.create" and settings.lead_webhook_url:
            await _forward_lead(store, handoff.cipher, settings, event.lead_id)

    async def sweep() -> None:
        """Every few seconds, hand off what was stored but not handed off (Temporal was down,
        the process stopped between the answer and the hand-off)."""
        while True:
            await asyncio.sleep(sweep_seconds)
            try:
                async with state["store"].session() as session:
                    rows = await events.pending_handoffs(session, timedelta(seconds=sweep_seconds))
                for row in rows:
                    data = row.payload
                    event = WebhookEvent(event_id=row.event_id, event_type=row.event_type, data=data)
                    background(hand_off(event))
            except Exception:
                log.exception("webhook sweep failed")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_store = state["store"] is None
        if own_store:
            state["store"] = Store(settings.effective_database_url)
            await state["store"].migrate()
        if state["client"] is None:
            from temporal_client import connect as default_connect

            state["client"] = await (connect or default_connect)(settings)
        state["handoff"] = Handoff(state["client"], settings, cipher or settings.token_cipher())
        sweeper = asyncio.create_task(sweep())
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            if tasks:  # hand-offs under way finish (or are left to the next sweep)
                await asyncio.wait(list(tasks), timeout=DRAIN_SECONDS)
            if own_store:
                await state["store"].dispose()

    app = FastAPI(title="TikTok webhook receiver", lifespan=lifespan)
    app.state.stats = stats
    app.include_router(slack_router(settings, state))

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"ok": True}

    @app.get("/webhook/stats")
    async def get_stats() -> dict[str, int]:
        """Accepted, duplicate and refused deliveries since start, by kind."""
        return dict(stats)

    @app.post(PATH)
    async def receive(request: Request) -> Response:
        started = time.monotonic()
        raw = await _body(request, settings.webhook_max_body_bytes)
        if raw is None:
            return _refuse(count, 413, f"body over {settings.webhook_max_body_bytes} bytes", "too_large")
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            verified = verify(headers, raw, settings.webhook_secrets())
        except SignatureError as exc:
            await _signature_alert(state["store"], settings, str(exc), request.client)
            return _refuse(count, 401, str(exc), "bad_signature")
        try:
            parsed = parse(raw)
        except BadEvent as exc:
            return _refuse(count, 400, str(exc), "malformed")
        now = time.time()
        for event in parsed:
            stamp = verified.timestamp if verified.timestamp is not None else event.timestamp
            if stamp is None or abs(now - stamp) > settings.webhook_window_seconds:
                return _refuse(count, 401, f"timestamp {stamp} outside the window", "stale")
        handoff: Handoff = state["handoff"]
        store: Store = state["store"]
        duplicates = 0
        for event in parsed:
            async with store.session() as session:  # stored (a lead with its fields) before the answer
                new = await events.store_event(session, _row(event, verified.scheme))
                if new and event.event_type == "lead.create":
                    await handoff.store_lead(session, event)
            if not new:
                duplicates += 1
                count("duplicate")
                continue
            count("accepted")
            background(hand_off(event))
        elapsed_ms = (time.monotonic() - started) * 1000
        return JSONResponse(
            {"ok": True, "events": len(parsed), "duplicates": duplicates, "ms": round(elapsed_ms)}
        )

    return app


async def _signature_alert(store: Store, settings: Settings, reason: str, peer: Any) -> None:
    """A warning per sender and window (section 14): someone sends us unsigned or forged webhooks."""
    host = getattr(peer, "host", "unknown")
    alert = Alert(
        level="warning",
        kind="webhook_signature",
        title=f"Webhook signature failures from {host}",
        body=f"Refused: {reason}. Check TTADS_WEBHOOK_SECRET against the app secret, or block the sender.",
        dedupe_key=f"webhook_signature/{host}",
    )
    try:
        await send(store, settings, alert, datetime.now(UTC))
    except Exception:  # the answer (401) must not depend on the alert
        log.exception("signature alert not stored")


def _row(event: WebhookEvent, scheme: str) -> WebhookEventRow:
    payload = event.data if event.event_type != "lead.create" else {"lead_id": event.lead_id}
    return WebhookEventRow(
        event_id=event.event_id,
        event_type=event.event_type,
        advertiser_id=event.advertiser_id,
        ad_id=event.ad_id,
        payload=payload,
        scheme=scheme,
    )


async def _forward_lead(store: Store, cipher: TokenCipher, settings: Settings, lead_id: str) -> None:
    """POST the lead to the configured lead webhook; the outcome is recorded on the lead."""
    async with store.session() as session:
        lead = await session.get(LeadRow, lead_id)
        if lead is None or lead.forwarded_at is not None:
            return
        body = {
            "lead_id": lead.lead_id,
            "advertiser_id": lead.advertiser_id,
            "ad_id": lead.ad_id,
            "fields": json.loads(cipher.decrypt(lead.fields_enc)),
        }
    error = None
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(str(settings.lead_webhook_url), json=body)
            answer.raise_for_status()
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("lead %s not forwarded: %s", lead_id, error)
    async with store.session() as session:
        lead = await session.get(LeadRow, lead_id)
        if lead is not None:
            lead.forwarded_at, lead.forward_error = (None, error) if error else (utcnow(), None)
            session.add(lead)
