"""The change log: every change this service makes on TikTok, with before, after and why.

Temporal history is the source; this table is its projection for fast queries. Rows are
keyed by the idempotency key of the logical operation, so recording the same change twice
(an activity retried after it wrote) keeps one row. Rows are tamper-evident (spec section
15): each carries ``row_hash``, an HMAC-SHA256 under a key that is never stored in the
database, over its content, its place ``seq`` in the advertiser's chain and the previous
row's hash, so editing, inserting or deleting rows (even re-hashing them) shows in
:func:`verify_chain`. Truncating the newest rows shows against the anchors history keeps:
each activity returns the ``(seq, row_hash)`` of what it recorded (``store.audit``).

Appends to one chain are serialised on every backend: each first updates the chain's head
row in ``change_chain``, which takes a row lock on PostgreSQL and the write lock on SQLite
before anything is read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.changes import ChainLink, EntityChange
from models.tables import ChangeChainRow, ChangeLogRow, utcnow
from store.db import upsert_insert
from store.tokens import as_utc

LEGACY_ALG = "sha256"  # rows written before migration 0007
KEYED_ALG = "hmac-sha256"


def row_hash(key: bytes, prev_hash: str | None, row: ChangeLogRow) -> str:
    """The hash of a row's content chained to ``prev_hash`` (keyed unless the row is legacy)."""
    created = as_utc(row.created_at)
    content: dict[str, object] = {
        "prev": prev_hash,
        "advertiser_id": row.advertiser_id,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "before": row.before,
        "after": row.after,
        "reason": row.reason,
        "actor": row.actor,
        "key": row.idempotency_key,
        "workflow_id": row.workflow_id,
        "run_id": row.run_id,
        "at": created.isoformat() if created else None,
    }
    if row.hash_alg == LEGACY_ALG:
        return hashlib.sha256(_canonical(content)).hexdigest()
    content["seq"] = row.seq
    return hmac.new(key, _canonical(content), hashlib.sha256).hexdigest()


def _canonical(content: dict[str, object]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


async def _lock_chain(session: AsyncSession, advertiser_id: str) -> ChangeChainRow:
    """Take the advertiser's chain for this transaction (a write first, so both PostgreSQL and
    SQLite block other appenders here) and return its head."""
    bump = update(ChangeChainRow).where(col(ChangeChainRow.advertiser_id) == advertiser_id)
    locked = await session.execute(bump.values(seq=ChangeChainRow.seq))
    if not locked.rowcount:  # type: ignore[attr-defined]
        insert = upsert_insert(session)
        first = insert(ChangeChainRow).values(advertiser_id=advertiser_id, seq=0, head_hash=None)
        await session.execute(first.on_conflict_do_nothing(index_elements=["advertiser_id"]))
        await session.execute(bump.values(seq=ChangeChainRow.seq))
    head = await session.get(ChangeChainRow, advertiser_id, populate_existing=True)
    assert head is not None
    return head


async def record_change(
    session: AsyncSession,
    key: bytes,
    advertiser_id: str,
    change: EntityChange,
    *,
    workflow_id: str | None = None,
    run_id: str | None = None,
) -> ChainLink:
    """Append ``change`` unless its idempotency key is recorded already; its place either way."""
    head = await _lock_chain(session, advertiser_id)
    found = await recorded(session, change.key)
    if found is not None and found.chain is not None:
        return found.chain
    row = ChangeLogRow(
        advertiser_id=advertiser_id,
        entity_type=change.entity_type,
        entity_id=change.entity_id,
        before=change.before,
        after=change.after,
        reason=change.reason,
        actor=change.actor,
        idempotency_key=change.key,
        workflow_id=workflow_id,
        run_id=run_id,
        created_at=utcnow(),
        seq=head.seq + 1,
        prev_hash=head.head_hash,
        hash_alg=KEYED_ALG,
    )
    row.row_hash = row_hash(key, head.head_hash, row)
    session.add(row)
    head.seq, head.head_hash = row.seq, row.row_hash
    await session.flush()
    return _link(row)


async def recorded(session: AsyncSession, idempotency_key: str) -> EntityChange | None:
    """The change recorded under ``idempotency_key``, with its place in the chain, if any."""
    row = (
        await session.execute(
            select(ChangeLogRow).where(col(ChangeLogRow.idempotency_key) == idempotency_key)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return EntityChange(
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        before=row.before,
        after=row.after,
        reason=row.reason,
        actor=row.actor,
        key=row.idempotency_key,
        chain=_link(row),
    )


def _link(row: ChangeLogRow) -> ChainLink:
    return ChainLink(advertiser_id=row.advertiser_id, seq=row.seq, row_hash=row.row_hash)


async def changes_for(
    session: AsyncSession,
    advertiser_id: str | None = None,
    *,
    workflow_id: str | None = None,
    since: datetime | None = None,
) -> Sequence[ChangeLogRow]:
    stmt = select(ChangeLogRow)
    if advertiser_id is not None:
        stmt = stmt.where(col(ChangeLogRow.advertiser_id) == advertiser_id)
    if workflow_id is not None:
        stmt = stmt.where(col(ChangeLogRow.workflow_id) == workflow_id)
    if since is not None:
        stmt = stmt.where(col(ChangeLogRow.created_at) >= since)
    order = (col(ChangeLogRow.advertiser_id), col(ChangeLogRow.seq), col(ChangeLogRow.id))
    return (await session.execute(stmt.order_by(*order))).scalars().all()


@dataclass
class ChainReport:
    """What :func:`verify_chain` found; ``ok`` when nothing. ``heads`` is each chain's length."""

    rows: int = 0
    problems: list[str] = field(default_factory=list)
    heads: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_chain(session: AsyncSession, key: bytes, advertiser_id: str | None = None) -> ChainReport:
    """Recompute every chain (one per advertiser) and report rows that do not fit."""
    report = ChainReport()
    previous: dict[str, ChangeLogRow] = {}
    for row in await changes_for(session, advertiser_id):
        report.rows += 1
        last = previous.get(row.advertiser_id)
        where = f"row {row.id} ({row.idempotency_key})"
        if row.prev_hash != (last.row_hash if last else None) or row.seq != (last.seq if last else 0) + 1:
            report.problems.append(
                f"{where}: the row before it in advertiser {row.advertiser_id}'s chain was deleted or changed"
            )
        if row.hash_alg == LEGACY_ALG and last is not None and last.hash_alg != LEGACY_ALG:
            report.problems.append(f"{where}: an unkeyed hash after keyed rows (forged)")
        if not hmac.compare_digest(row.row_hash, row_hash(key, row.prev_hash, row)):
            report.problems.append(f"{where}: content was edited after it was written")
        previous[row.advertiser_id] = row
    heads = select(ChangeChainRow)
    if advertiser_id is not None:
        heads = heads.where(col(ChangeChainRow.advertiser_id) == advertiser_id)
    for head in (await session.execute(heads)).scalars().all():
        last = previous.get(head.advertiser_id)
        report.heads[head.advertiser_id] = last.seq if last else 0
        if (last.seq if last else 0, last.row_hash if last else None) != (head.seq, head.head_hash):
            report.problems.append(
                f"advertiser {head.advertiser_id}'s chain ends at row {last.seq if last else 0}, "
                f"but its head says {head.seq}: the newest rows were deleted"
            )
    return report
