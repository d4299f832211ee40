"""The webhook receiver on a real socket: what it refuses (and how), each event id once,
authorization.removed and lead.create. Review events are covered with the recovery."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from models.recovery_tables import AlertRow, LeadRow, WebhookEventRow
from models.tables import AdvertiserRow
from schedules import ensure_optimization_schedule
from settings import Settings
from store import Store, TokenCipher, events
from tests.httpsink import HttpSink
from webhooks import PATH, create_app
from webhooks.serve import serving

pytestmark = pytest.mark.integration
SECRET = "receiver-test-secret"


def signed(body: dict[str, Any] | bytes, *, secret: str = SECRET, stamp: int | None = None) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    t = int(time.time()) if stamp is None else stamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return {
        "content": raw,
        "headers": {"TikTok-Signature": f"t={t},s={mac}", "Content-Type": "application/json"},
    }


def event(event_type: str, data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "event_type": event_type,
        "event_id": f"evt_{uuid.uuid4().hex}",
        "timestamp": int(time.time()),
        "data": data,
        **fields,
    }


@asynccontextmanager
async def receiver(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    settings = Settings(webhook_secret=SECRET, task_queue=f"receiver-{uuid.uuid4().hex[:6]}", **overrides)
    app = create_app(settings, store=store, client=dev_env.client, cipher=cipher, sweep_seconds=0.3)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield http, app.state.stats


async def test_refusals_say_nothing_about_signatures_and_name_malformed_fields(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher
) -> None:
    async with receiver(dev_env, store, cipher, webhook_max_body_bytes=2048) as (http, stats):
        body = event("lead.create", {"lead_id": "l1"})
        forged = await http.post(PATH, **signed(body, secret="not-the-secret"))
        assert forged.status_code == 401 and forged.content == b""
        unsigned = await http.post(PATH, json=body)
        assert unsigned.status_code == 401
        stale = await http.post(PATH, **signed(body, stamp=int(time.time()) - 3600))
        assert stale.status_code == 401
        tampered = signed(body)
        tampered["content"] = tampered["content"].replace(b"l1", b"l2")
        assert (await http.post(PATH, **tampered)).status_code == 401
        malformed = await http.post(PATH, **signed(b"{not json"))
        assert malformed.status_code == 400 and "not valid JSON" in malformed.json()["error"]
        unknown = await http.post(PATH, **signed(event("ad.deleted", {})))
        assert unknown.status_code == 400 and unknown.json()["error"].startswith("event_type:")
        huge = await http.post(PATH, **signed(event("lead.create", {"pad": "x" * 4096})))
        assert huge.status_code == 413
    assert stats["bad_signature"] == 3 and stats["stale"] == 1
    assert stats["malformed"] == 2 and stats["too_large"] == 1 and stats["accepted"] == 0
    async with store.session() as session:
        stmt = select(AlertRow).where(col(AlertRow.kind) == "webhook_signature")
        warned = list((await session.execute(stmt)).scalars().all())
    assert warned and all(a.level == "warning" for a in warned)  # once per sender and window


async def test_each_event_id_is_processed_once_and_the_spec_signature_is_accepted(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher
) -> None:
    with HttpSink() as sink:
        async with receiver(dev_env, store, cipher, lead_webhook_url=sink.url + "/leads") as (http, stats):
            fields = {"email": "user@example.com", "phone": "+81901234567"}
            lead_id = f"lead-{uuid.uuid4().hex[:8]}"
            data = {
                "advertiser_id": "7000000000000000001",
                "lead_id": lead_id,
                "ad_id": "19",
                "form_fields": fields,
            }
            lead = event("lead.create", data)
            first = await http.post(PATH, **signed(lead))
            replay = await http.post(PATH, **signed(lead))
            raw = json.dumps(lead).encode()
            mac = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
            spec = await http.post(PATH, content=raw, headers={"X-TikTok-Signature": f"sha256={mac}"})
            assert first.status_code == replay.status_code == spec.status_code == 200
            assert first.json()["duplicates"] == 0 and replay.json()["duplicates"] == 1
            assert spec.json()["duplicates"] == 1
            (forwarded,) = await sink.arrived(1)
    assert stats["accepted"] == 1 and stats["duplicate"] == 2
    assert json.loads(forwarded.body)["fields"]["email"] == "user@example.com"
    async with store.session() as session:
        row = await session.get(LeadRow, lead["data"]["lead_id"])
        stored = await session.get(WebhookEventRow, lead["event_id"])
    assert row is not None and b"user@example.com" not in row.fields_enc  # encrypted at rest
    assert row.forwarded_at is not None and row.forward_error is None
    assert stored is not None and "form_fields" not in stored.payload  # no personal data in events


async def test_authorization_removed_disconnects_pauses_schedules_and_alerts(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher
) -> None:
    adv = f"71{uuid.uuid4().int % 10**17:017d}"
    settings = Settings(task_queue=f"receiver-{uuid.uuid4().hex[:6]}")
    await ensure_optimization_schedule(dev_env.client, settings, adv)
    async with receiver(dev_env, store, cipher) as (http, _):
        answer = await http.post(PATH, **signed(event("authorization.removed", {"advertiser_id": adv})))
        assert answer.status_code == 200
    for schedule_id in (f"optimize-{adv}", f"fit-priors-{adv}"):
        described = await dev_env.client.get_schedule_handle(schedule_id).describe()
        assert described.schedule.state.paused and "authorization removed" in (
            described.schedule.state.note or ""
        )
        await dev_env.client.get_schedule_handle(schedule_id).delete()
    async with store.session() as session:
        advertiser = await session.get(AdvertiserRow, adv)
        alerts = (await session.execute(select(AlertRow).where(col(AlertRow.advertiser_id) == adv))).scalars()
        levels = [a.level for a in alerts]
    assert advertiser is not None and advertiser.disconnected_at is not None
    assert levels == ["critical"]


async def test_an_event_stored_but_never_handed_off_is_swept(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher
) -> None:
    """A receiver stopped between its answer and the hand-off: the next one hands it off."""
    ad_id = f"19{uuid.uuid4().int % 10**17:017d}"
    data = {"advertiser_id": "7000000000000000001", "ad_id": ad_id, "review_status": "REJECTED",
            "reject_reason": "Landing page is unavailable"}  # fmt: skip
    event_id = f"evt_{uuid.uuid4().hex}"
    async with store.session() as session:
        stale = datetime.now(UTC) - timedelta(seconds=30)
        row = WebhookEventRow(
            event_id=event_id, event_type="ad.review_status_update", payload=data, received_at=stale
        )
        assert await events.store_event(session, row)
    async with receiver(dev_env, store, cipher) as _:
        for _ in range(50):
            async with store.session() as session:
                swept = await session.get(WebhookEventRow, event_id)
            if swept is not None and swept.handed_off_at is not None:
                break
            await asyncio.sleep(0.2)
    assert swept is not None and swept.workflow_id == f"recover-{ad_id}"
    described = await dev_env.client.get_workflow_handle(f"recover-{ad_id}").describe()
    assert described.workflow_type == "RejectionRecovery"
    await dev_env.client.get_workflow_handle(f"recover-{ad_id}").terminate("test")
