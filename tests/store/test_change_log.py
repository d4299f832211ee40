"""The change log: one row per key, a keyed hash chain that shows edits, deletions,
re-hashing and truncation, and appends that stay one chain under concurrent writers on
SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, text, update

from models.changes import EntityChange
from models.tables import ChangeChainRow, ChangeLogRow
from store import Store
from store.audit import truncations
from store.changes import changes_for, record_change, verify_chain
from tests.dbutil import (
    fresh_postgres,
    postgres_server,
    sqlite_url,
)

KEY = b"test-change-log-key"


def _change(i: int, key: str) -> EntityChange:
    return EntityChange(
        entity_type="adgroup",
        entity_id=str(i),
        before={"budget": 10.0 * i},
        after={"budget": 10.0 * i + 5},
        reason=f"pacing [rule {i}]",
        actor="OptimizationCycle",
        key=key,
    )


async def _append(store: Store, adv: str, change: EntityChange) -> None:
    async with store.session() as s:
        await record_change(s, KEY, adv, change, workflow_id="wf", run_id="run")


async def test_one_row_per_idempotency_key(store: Store) -> None:
    async with store.session() as s:
        first = await record_change(s, KEY, "303", _change(1, "wf-1/step-3"))
    async with store.session() as s:
        again = await record_change(s, KEY, "303", _change(1, "wf-1/step-3"))
        rows = await changes_for(s, "303")
    assert first == again and len(rows) == 1
    assert (rows[0].seq, rows[0].row_hash) == (first.seq, first.row_hash)
    assert rows[0].reason == "pacing [rule 1]" and rows[0].actor == "OptimizationCycle"


async def test_chain_shows_edits_deletions_rehashing_and_truncation(store: Store) -> None:
    adv = "505"
    for i in range(5):
        await _append(store, adv, _change(i, f"chain/{i}"))
    async with store.session() as s:
        clean = await verify_chain(s, KEY, adv)
        rows = list(await changes_for(s, adv))
    assert clean.ok and clean.rows == 5 and clean.heads[adv] == 5
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5] and rows[1].prev_hash == rows[0].row_hash

    # Someone with database access edits a row and re-hashes it the way a plain SHA-256
    # chain would let them: without the key, the row still does not verify.
    forged = rows[1].model_copy(update={"after": {"budget": 999.0}})
    content = {"prev": forged.prev_hash, "after": forged.after}
    async with store.session() as s:
        await s.execute(
            update(ChangeLogRow)
            .where(ChangeLogRow.id == rows[1].id)
            .values(
                after={"budget": 999.0}, row_hash=hashlib.sha256(json.dumps(content).encode()).hexdigest()
            )
        )
    async with store.session() as s:
        edited = await verify_chain(s, KEY, adv)
    assert any(f"row {rows[1].id} " in p and "edited" in p for p in edited.problems)
    async with store.session() as s:
        wrong_key = await verify_chain(s, b"another key", adv)
    assert len([p for p in wrong_key.problems if "edited" in p]) == 5

    async with store.session() as s:  # a row in the middle goes missing
        await s.execute(delete(ChangeLogRow).where(ChangeLogRow.id == rows[2].id))
    async with store.session() as s:
        deleted = await verify_chain(s, KEY, adv)
    assert any(f"row {rows[3].id} " in p and "deleted" in p for p in deleted.problems)

    # The newest rows go, and the chain's head is "fixed" to match: the rows left verify as
    # a chain, but history's anchors (the seq each activity saw recorded) show the cut.
    async with store.session() as s:
        await s.execute(delete(ChangeLogRow).where(ChangeLogRow.id.in_([rows[3].id, rows[4].id])))
        await s.execute(
            update(ChangeChainRow)
            .where(ChangeChainRow.advertiser_id == adv)
            .values(seq=rows[1].seq, head_hash=rows[1].row_hash)
        )
    async with store.session() as s:
        cut = await verify_chain(s, KEY, adv)
    assert cut.heads[adv] == 2
    assert truncations({adv: 5}, cut.heads) == [
        f"advertiser {adv}'s change log ends at row 2, but history recorded row 5: "
        "the newest rows were deleted"
    ]
    assert truncations({adv: 2}, cut.heads) == []


async def test_truncation_is_seen_by_the_head_row(store: Store) -> None:
    adv = "506"
    for i in range(3):
        await _append(store, adv, _change(i, f"head/{i}"))
    async with store.session() as s:
        await s.execute(delete(ChangeLogRow).where(ChangeLogRow.idempotency_key == "head/2"))
    async with store.session() as s:
        report = await verify_chain(s, KEY, adv)
    assert report.problems == [
        f"advertiser {adv}'s chain ends at row 2, but its head says 3: the newest rows were deleted"
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
async def own_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A store of the test's own on each backend (concurrency needs a clean chain)."""
    if request.param == "sqlite":
        store = Store(sqlite_url(tmp_path))
        await store.migrate()
        yield store
        await store.dispose()
        return
    server = await postgres_server()
    async with fresh_postgres(server) as url:
        store = Store(url)
        await store.migrate()
        yield store
        await store.dispose()


async def test_concurrent_appends_keep_one_chain(own_store: Store) -> None:
    """Twenty writers at once on one advertiser: one chain, no fork, no false alarm."""
    adv = "707"
    await asyncio.gather(*(_append(own_store, adv, _change(i, f"race/{i}")) for i in range(20)))
    async with own_store.session() as s:
        report = await verify_chain(s, KEY, adv)
        rows = await changes_for(s, adv)
    assert report.problems == [] and report.rows == 20
    assert sorted(r.seq for r in rows) == list(range(1, 21))


async def test_rows_written_before_the_keyed_chain_still_verify(tmp_path: Path) -> None:
    """Migration 0007 keeps plain SHA-256 rows verifiable and continues their chain keyed."""
    store = Store(sqlite_url(tmp_path))
    try:
        await store.migrate("0006")
        legacy = {
            "prev": None,
            "advertiser_id": "808",
            "entity_type": "campaign",
            "entity_id": "1",
            "before": None,
            "after": {"budget": 50.0},
            "reason": "launch",
            "actor": "olivia",
            "key": "old/1",
            "workflow_id": "wf-old",
            "run_id": "r",
            "at": "2026-11-30T10:00:00+00:00",
        }
        digest = hashlib.sha256(
            json.dumps(legacy, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        async with store.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO change_log (advertiser_id, entity_type, entity_id, before, after, reason, "
                    "actor, idempotency_key, workflow_id, run_id, created_at, prev_hash, row_hash) VALUES "
                    "('808', 'campaign', '1', NULL, :after, 'launch', 'olivia', 'old/1', 'wf-old', 'r', "
                    "'2026-11-30 10:00:00', NULL, :h)"
                ),
                {"after": json.dumps({"budget": 50.0}), "h": digest},
            )
        await store.migrate()
        await _append(store, "808", _change(2, "new/2"))
        async with store.session() as s:
            report = await verify_chain(s, KEY, "808")
            rows = await changes_for(s, "808")
        assert report.problems == [] and [(r.seq, r.hash_alg) for r in rows] == [
            (1, "sha256"),
            (2, "hmac-sha256"),
        ]
    finally:
        await store.dispose()
