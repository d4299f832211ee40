"""Webhook events (each id once), the replacement ads recoveries watch, recoveries, leads.

``claim_event`` is the receiver's dedupe: the event id is the primary key, so a replay
finds the row it wrote the first time, and ``handed_off_at`` says whether the owning
workflow already has it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from models.recovery import RecoveryStatus
from models.recovery_tables import LeadRow, RecoveryRow, ReviewWatchRow, WebhookEventRow
from models.tables import AdvertiserRow, utcnow
from store.db import upsert_insert


async def store_event(session: AsyncSession, row: WebhookEventRow) -> bool:
    """Insert the event unless its id is stored; True when it is new. One statement on the
    primary key, so two deliveries of an id at once cannot both be new."""
    values = row.model_dump(exclude={"workflow_id", "handoff_claimed_at", "handed_off_at"})
    insert = upsert_insert(session)(WebhookEventRow).values(**values).on_conflict_do_nothing()
    return bool((await session.execute(insert)).rowcount == 1)  # type: ignore[attr-defined]


CLAIM_FOR = timedelta(minutes=1)


async def claim_handoff(session: AsyncSession, event_id: str) -> bool:
    """Take the hand-off of an event not handed off yet, unless another process took it less
    than a minute ago (then it is that process's); True when this caller has it."""
    now = utcnow()
    done = await session.execute(
        update(WebhookEventRow)
        .where(
            col(WebhookEventRow.event_id) == event_id,
            col(WebhookEventRow.handed_off_at).is_(None),
            or_(
                col(WebhookEventRow.handoff_claimed_at).is_(None),
                col(WebhookEventRow.handoff_claimed_at) < now - CLAIM_FOR,
            ),
        )
        .values(handoff_claimed_at=now)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


async def pending_handoffs(
    session: AsyncSession, older_than: timedelta, limit: int = 100
) -> list[WebhookEventRow]:
    """Events stored but not handed off for ``older_than`` (a failed or interrupted hand-off)."""
    stmt = (
        select(WebhookEventRow)
        .where(
            col(WebhookEventRow.handed_off_at).is_(None),
            col(WebhookEventRow.received_at) < utcnow() - older_than,
        )
        .order_by(col(WebhookEventRow.received_at))
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())


async def mark_handed_off(session: AsyncSession, event_id: str, workflow_id: str | None) -> None:
    await session.execute(
        update(WebhookEventRow)
        .where(col(WebhookEventRow.event_id) == event_id)
        .values(handed_off_at=utcnow(), workflow_id=workflow_id)
    )


async def watcher(session: AsyncSession, ad_id: str) -> str | None:
    """The recovery waiting on this (replacement) ad's review, if any."""
    row = await session.get(ReviewWatchRow, ad_id)
    return row.workflow_id if row else None


async def watch(session: AsyncSession, advertiser_id: str, ad_id: str, workflow_id: str) -> None:
    if await session.get(ReviewWatchRow, ad_id) is None:
        session.add(ReviewWatchRow(ad_id=ad_id, workflow_id=workflow_id, advertiser_id=advertiser_id))
        await session.flush()


async def save_recovery(session: AsyncSession, status: RecoveryStatus) -> None:
    """Write the recovery's row as its status says (a retry rewrites the same row)."""
    row = await session.get(RecoveryRow, status.workflow_id) or RecoveryRow(
        workflow_id=status.workflow_id, advertiser_id=status.advertiser_id, ad_id=status.ad_id
    )
    row.reason, row.category, row.state = status.reason, status.category, status.state
    row.tried = [a.model_dump(mode="json") for a in status.attempts]
    row.replacement_ad_id = status.replacement_ad_id
    if status.rejected_at is not None:
        row.rejected_at = status.rejected_at
    row.restored_at, row.mttr_seconds, row.updated_at = status.restored_at, status.mttr_seconds, utcnow()
    session.add(row)
    await session.flush()


FINISHED = ("restored", "gave_up", "not_rejected", "handled_elsewhere")


async def note_handoff(
    session: AsyncSession, workflow_id: str, advertiser_id: str, ad_id: str, reason: str | None
) -> None:
    """A recovery handed a rejection (by the receiver or the reconciler): listed at once, before
    the run records its own state; a run in progress keeps its state, its time moves."""
    row = await session.get(RecoveryRow, workflow_id)
    if row is None or row.state in FINISHED:
        row = row or RecoveryRow(workflow_id=workflow_id, advertiser_id=advertiser_id, ad_id=ad_id)
        row.state, row.reason = "handed_off", reason or ""
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()


async def unfinished(session: AsyncSession, since: datetime) -> list[str]:
    """Recoveries touched since ``since`` that have not ended (tests stop them at teardown)."""
    stmt = select(RecoveryRow.workflow_id).where(
        col(RecoveryRow.updated_at) >= since, col(RecoveryRow.state).not_in(FINISHED)
    )
    return list((await session.execute(stmt)).scalars().all())


async def recoveries(session: AsyncSession, advertiser_id: str | None = None) -> list[RecoveryRow]:
    stmt = select(RecoveryRow).order_by(col(RecoveryRow.rejected_at).desc())
    if advertiser_id:
        stmt = stmt.where(col(RecoveryRow.advertiser_id) == advertiser_id)
    return list((await session.execute(stmt)).scalars().all())


async def save_lead(session: AsyncSession, lead: LeadRow) -> bool:
    """Store a lead once; False when it was stored before."""
    values = lead.model_dump(exclude={"forwarded_at", "forward_error"})
    insert = upsert_insert(session)(LeadRow).values(**values).on_conflict_do_nothing()
    return bool((await session.execute(insert)).rowcount == 1)  # type: ignore[attr-defined]


async def mark_disconnected(session: AsyncSession, advertiser_id: str, at: datetime | None = None) -> None:
    row = await session.get(AdvertiserRow, advertiser_id) or AdvertiserRow(advertiser_id=advertiser_id)
    row.disconnected_at = at or utcnow()
    session.add(row)
    await session.flush()


def lead_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """A lead's form fields from either body shape (``form_fields`` or TikTok's ``changes``)."""
    if isinstance(payload.get("form_fields"), dict):
        return dict(payload["form_fields"])
    changes = payload.get("changes") or []
    return {str(c.get("field")): c.get("value") for c in changes if isinstance(c, dict)}
