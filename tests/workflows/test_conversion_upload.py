"""ConversionUpload on the time-skipping server with the real worker and the simulator's
Events API: consent, hashing, the age window, deduplication, test events, and a batch that
TikTok refuses for one event."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from models.conversions import ConversionResult
from store import Store, TokenCipher
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker
from workflows.conversion_upload import ConversionUpload

HEADER = "event,event_time,event_id,email,phone,ip,value,currency,consent"


async def upload(env: WorkflowEnvironment, tq: str, **job: Any) -> ConversionResult:
    result: ConversionResult = await env.client.execute_workflow(
        ConversionUpload.run,
        {"advertiser_id": DEMO_ADVERTISER, **job},
        id=f"conversions-{uuid.uuid4().hex[:8]}",
        task_queue=tq,
        result_type=ConversionResult,
    )
    return result


async def test_consent_hashing_dedup_and_a_refused_event(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, tmp_path: Path
) -> None:
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    now = int(time.time())
    rows = [f"CompletePayment,{now - i * 60},order-{i},Buyer{i}@Example.com,+81 90 1234 {i:04d},10.0.0.{i},"
            f"{10 + i},JPY,yes" for i in range(30)]  # fmt: skip
    rows += [
        f"CompletePayment,{now},order-no,nope@example.com,,,,,no",  # no consent: never sent
        f"CompletePayment,{now - 40 * 86400},order-old,old@example.com,,,,,yes",  # past the 28-day window
        f"CompletePayment,{now},order-bad,not-an-email,,,,,yes",  # invalid: skipped and counted
        f"CompletePayment,{now},order-eur,eur@example.com,,,5,EURO,yes",  # TikTok refuses this one
        f"CompletePayment,{now - 60},order-1,buyer1@example.com,,,,,yes",  # the pixel's duplicate
    ]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    pixel = f"PIXEL{uuid.uuid4().hex[:10].upper()}"
    async with running_worker(
        ts_env.client, store, cipher, fresh_simulator.base_url, data_dir=tmp_path, conversion_batch=10
    ) as tq:
        dry = await upload(ts_env, tq, pixel_code=pixel, source={"path": str(path)}, dry_run=True)
        result = await upload(
            ts_env, tq, pixel_code=pixel, source={"path": str(path)}, test_event_code="TEST42"
        )
    assert dry.dry_run and dry.sent == 0
    assert (result.rows, result.no_consent) == (35, 1)
    assert result.invalid == {"event_too_old": 1, "email_format": 1}
    assert result.sent == 31 and result.rejected == 1
    assert result.errors[0].row == 34 and "currency" in result.errors[0].reason
    assert result.accepted == 30  # order-1 arrived twice: TikTok keeps it once
    async with httpx.AsyncClient(base_url=fresh_simulator.base_url) as http:
        received = (await http.get("/sim/audiences/events", params={"source_id": pixel})).json()
    assert len(received) == 30 and {e["test_event_code"] for e in received} == {"TEST42"}
    assert "order-no" not in {e["event_id"] for e in received}


def test_identifiers_leave_hashed() -> None:
    from conversions.events import to_event

    now = int(time.time())
    row = {"event": "SubmitForm", "event_time": str(now), "email": " Buyer.One+x@Example.COM ",
           "phone": "+81 90-1234-5678", "external_id": "CRM-7", "ip": "10.0.0.1"}  # fmt: skip
    event = to_event(row, None, now, 28)
    assert isinstance(event, dict)
    user = event["user"]
    assert user["email"] == [hashlib.sha256(b"buyer.one+x@example.com").hexdigest()]  # no +tag/dot removal
    assert user["phone"] == [hashlib.sha256(b"+819012345678").hexdigest()]
    assert user["external_id"] == [hashlib.sha256(b"CRM-7").hexdigest()]
    assert user["ip"] == "10.0.0.1"
