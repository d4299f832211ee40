"""Webhook events (each id once), the replacement ads recoveries watch, recoveries, leads.

``record_event`` is the receiver's dedupe: the event id is the primary key, so a replay
finds the row it wrote the first time, and ``handed_off_at`` says whether the owning
workflow already has it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.recovery import RecoveryStatus
from models.recovery_tables import LeadRow, RecoveryRow, ReviewWatchRow, WebhookEventRow
from models.tables import AdvertiserRow, utcnow
from store.db import Store


async def record_event(store: Store, row: WebhookEventRow) -> tuple[WebhookEventRow, bool]:
    """``(row, new)``: insert the event, or the row of the same id written before."""
    try:
        async with store.session() as session:
            session.add(row)
            await session.flush()
            return row, True
    except IntegrityError:
        async with store.session() as session:
            existing = await session.get(WebhookEventRow, row.event_id)
            if existing is None:  # pragma: no cover - the conflicting row was deleted meanwhile
                raise
            return existing, False


async def mark_handed_off(session: AsyncSession, event_id: str, workflow_id: str | None) -> None:
    row = await session.get(WebhookEventRow, event_id)
    if row is not None:
        row.handed_off_at, row.workflow_id = utcnow(), workflow_id
        session.add(row)
        await session.flush()


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
    the run records its own state; a run already recorded keeps its row."""
    row = await session.get(RecoveryRow, workflow_id)
    if row is None or row.state in FINISHED:
        row = row or RecoveryRow(workflow_id=workflow_id, advertiser_id=advertiser_id, ad_id=ad_id)
        row.state, row.reason, row.updated_at = "handed_off", reason or "", utcnow()
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
    if await session.get(LeadRow, lead.lead_id) is not None:
        return False
    session.add(lead)
    await session.flush()
    return True


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
