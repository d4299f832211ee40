"""A deletion request reaches every audience the service feeds (streaming and customer file)
and the store's leads, and is audited without the identifier; the retention purge deletes
what is older than the retention period."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from models.audience_tables import PrivacyRequestRow
from models.recovery_tables import LeadRow
from store import Store, TokenCipher
from tests.cliutil import cli
from tests.workflows.helpers import (
    CHANGE_LOG_KEY,
    DEMO_ADVERTISER,
    DEMO_TOKEN,
    connect_advertiser,
    running_worker,
)
from tests.workflows.test_audience_sync import Sim, csv_file, sync

KEY = Fernet.generate_key()
PERSON = "Forget.Me+ads@Example.com"


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def add_lead(store: Store, cipher: TokenCipher, email: str, received: datetime) -> str:
    lead_id = f"lead-{uuid.uuid4().hex[:8]}"
    fields = json.dumps({"email": email, "phone": "+81 90 0000 0000"})
    async with store.session() as session:
        session.add(
            LeadRow(
                lead_id=lead_id,
                advertiser_id=DEMO_ADVERTISER,
                fields_enc=cipher.encrypt(fields),
                received_at=received,
            )
        )
    return lead_id


async def lead_ids(store: Store) -> set[str]:
    async with store.session() as session:
        return set((await session.execute(select(LeadRow.lead_id))).scalars().all())


async def test_forget_reaches_every_audience_and_lead_and_keeps_no_identifier(
    ts_env: WorkflowEnvironment, store: Store, fresh_simulator: Any, tmp_path: Path
) -> None:
    cipher = TokenCipher(KEY)
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    sim = Sim(fresh_simulator)
    sim.limits(match_rate=1.0, min_size=5)  # small audiences can still be updated
    others = [f"kept{i}@example.com" for i in range(12)]
    async with running_worker(ts_env.client, store, cipher, sim.server.base_url, data_dir=tmp_path) as tq:
        rows = csv_file(tmp_path, "email", [PERSON, *others])
        await sync(
            ts_env, tq, {"api_mode": "STREAMING", "audience_names": "stream-vip", "source": {"path": rows}}
        )
        ids = csv_file(tmp_path, "id", [PERSON, *others])
        await sync(
            ts_env,
            tq,
            {"audience_name": "file-vip", "encryption_type": "EMAIL_SHA256", "source": {"path": ids}},
        )
    audiences = sim.audiences()
    person = sha("forgetme@example.com")  # the customer-file form: lower-case, no +tag, no dots
    assert all(sim.member(audiences[n]["audience_id"], person) for n in ("stream-vip", "file-vip"))
    mine = await add_lead(store, cipher, " forget.me+ads@example.com", datetime.now(UTC))
    theirs = await add_lead(store, cipher, "kept0@example.com", datetime.now(UTC))
    rotated = TokenCipher(Fernet.generate_key())  # a lead written before a key rotation
    await add_lead(store, rotated, "forgetme@example.com", datetime.now(UTC))

    run = cli(
        {
            "TTADS_DATABASE_URL": store.url,
            "TTADS_TOKEN_ENCRYPTION_KEY": KEY.decode(),
            "TTADS_TIKTOK_BASE_URL": sim.server.base_url,
            "TTADS_CHANGE_LOG_KEY": CHANGE_LOG_KEY,
            "TTADS_DATA_DIR": str(tmp_path),
        }
    )
    answer = await asyncio.to_thread(
        run,
        "privacy",
        "forget",
        "--email",
        PERSON,
        "--as",
        "dpo@demo.example",
        "--advertiser",
        DEMO_ADVERTISER,
    )
    assert answer.exit_code == 0, answer.output
    done = json.loads(answer.output)
    ours = {audiences[n]["audience_id"] for n in ("stream-vip", "file-vip")}  # the store is shared
    assert sorted(a["outcome"] for a in done["audiences"] if a["audience_id"] in ours) == [
        "removed",
        "removed",
    ]
    assert done["leads_deleted"] == 1 and done["leads_unreadable"] >= 1  # reported, not a crash
    assert not any(sim.member(audiences[n]["audience_id"], person) for n in ("stream-vip", "file-vip"))
    assert all(sim.member(audiences[n]["audience_id"], sha(others[3])) for n in ("stream-vip", "file-vip"))
    assert mine not in await lead_ids(store) and theirs in await lead_ids(store)

    async with store.session() as session:
        audit = (
            await session.execute(
                select(PrivacyRequestRow).where(col(PrivacyRequestRow.id) == done["request_id"])
            )
        ).scalar_one()
    recorded = json.dumps(audit.model_dump(mode="json"))
    assert audit.requested_by == "dpo@demo.example" and audit.kinds == ["email"]
    assert "example.com" not in recorded.lower() and person not in recorded  # no address, no digest
    again = await asyncio.to_thread(
        run, "privacy", "forget", "--email", PERSON.upper(), "--as", "dpo@demo.example"
    )
    assert json.loads(again.output)["subject_key"] == done["subject_key"]  # the same person, the same key

    bad = await asyncio.to_thread(
        run, "privacy", "forget", "--phone", "090-1234-5678", "--as", "dpo@demo.example"
    )
    assert bad.exit_code == 2 and "phone_no_country_code" in bad.output


async def test_retention_purge_deletes_only_what_is_older(store: Store, tmp_path: Path) -> None:
    cipher = TokenCipher(KEY)
    old = await add_lead(store, cipher, "old@example.com", datetime.now(UTC) - timedelta(days=400))
    new = await add_lead(store, cipher, "new@example.com", datetime.now(UTC) - timedelta(days=30))
    run = cli({"TTADS_DATABASE_URL": store.url, "TTADS_TOKEN_ENCRYPTION_KEY": KEY.decode(),
               "TTADS_CHANGE_LOG_KEY": CHANGE_LOG_KEY, "TTADS_DATA_DIR": str(tmp_path)})  # fmt: skip
    answer = await asyncio.to_thread(run, "privacy", "purge")
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output)["leads"] >= 1
    kept = await lead_ids(store)
    assert old not in kept and new in kept
