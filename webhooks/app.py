"""The webhook receiver: ``POST /webhook/tiktok``.

One pipeline, in this order: size (413) -> signature against every configured secret, in
constant time (401, no detail) -> JSON shape (400, the field named) -> timestamp within the
window (401) -> store each event by id (a replay is acknowledged and ignored) -> hand it to
its workflow (``webhooks.handoff``) -> mark it handed off -> 200. If the hand-off fails
(Temporal unreachable) the answer is 503 and the event stays stored but not handed off, so
TikTok's retry hands it off then; nothing is half-processed. Nothing here calls TikTok, so
the answer comes well within TikTok's 3 seconds. Refusals are logged with their reason and
counted (``GET /webhook/stats``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from temporalio.client import Client

from alerts.dispatch import send
from models.alerts import Alert
from models.recovery_tables import LeadRow, WebhookEventRow
from models.tables import utcnow
from settings import Settings
from store import Store, TokenCipher, events
from webhooks.events import BadEvent, WebhookEvent, parse
from webhooks.handoff import Handoff
from webhooks.signature import SignatureError, verify
from webhooks.slack import slack_router

log = logging.getLogger("webhooks")
PATH = "/webhook/tiktok"


def _refuse(stats: Counter[str], status: int, reason: str, kind: str) -> Response:
    stats[kind] += 1
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
) -> FastAPI:
    """The receiver. Tests pass ``store`` and ``client``; a process connects at startup."""
    state: dict[str, Any] = {"store": store, "client": client}
    stats: Counter[str] = Counter()
    forwards: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_store = state["store"] is None
        if own_store:
            state["store"] = Store(settings.effective_database_url)
            await state["store"].migrate()
        if state["client"] is None:
            from temporal_client import connect as default_connect

            state["client"] = await (connect or default_connect)(settings)
        state["handoff"] = Handoff(
            state["store"], state["client"], settings, cipher or settings.token_cipher()
        )
        try:
            yield
        finally:
            for task in list(forwards):
                task.cancel()
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
            return _refuse(stats, 413, f"body over {settings.webhook_max_body_bytes} bytes", "too_large")
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            verified = verify(headers, raw, settings.webhook_secrets())
        except SignatureError as exc:
            await _signature_alert(state["store"], settings, str(exc), request.client)
            return _refuse(stats, 401, str(exc), "bad_signature")
        try:
            parsed = parse(raw)
        except BadEvent as exc:
            return _refuse(stats, 400, str(exc), "malformed")
        now = time.time()
        for event in parsed:
            stamp = verified.timestamp if verified.timestamp is not None else event.timestamp
            if stamp is None or abs(now - stamp) > settings.webhook_window_seconds:
                return _refuse(stats, 401, f"timestamp {stamp} outside the window", "stale")
        handoff: Handoff = state["handoff"]
        duplicates = 0
        for event in parsed:
            row, new = await events.record_event(state["store"], _row(event, verified.scheme))
            if not new and row.handed_off_at is not None:
                duplicates += 1
                stats["duplicate"] += 1
                continue
            try:
                workflow_id, lead_id = await handoff(event)
            except Exception as exc:  # Temporal unreachable: TikTok will retry, we hand off then
                log.exception("hand-off of %s failed", event.event_id)
                return _refuse(stats, 503, f"hand-off failed: {type(exc).__name__}", "handoff_failed")
            async with state["store"].session() as session:
                await events.mark_handed_off(session, event.event_id, workflow_id)
            stats["accepted"] += 1
            if lead_id and settings.lead_webhook_url:
                task = asyncio.create_task(_forward_lead(state["store"], handoff.cipher, settings, lead_id))
                forwards.add(task)
                task.add_done_callback(forwards.discard)
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
    payload = event.data if event.event_type != "lead.create" else {"lead_id": event.data.get("lead_id")}
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
        if lead is None:
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
