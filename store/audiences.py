"""Audience export in the store: acknowledged progress of runs, and the audiences fed."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.audience_tables import AudienceFeedRow, AudienceProgressRow
from models.tables import utcnow


async def acknowledged(session: AsyncSession, run_key: str, step: str) -> dict[int, str]:
    """Chunk -> value of what ``step`` of this run has had acknowledged by TikTok."""
    rows = await session.execute(
        select(AudienceProgressRow.chunk, AudienceProgressRow.value).where(
            col(AudienceProgressRow.run_key) == run_key, col(AudienceProgressRow.step) == step
        )
    )
    return {int(chunk): str(value) for chunk, value in rows.all()}


async def acknowledge(session: AsyncSession, run_key: str, step: str, chunk: int, value: str = "") -> None:
    """Record one acknowledged chunk (a second record of the same chunk keeps the first)."""
    existing = await session.get(AudienceProgressRow, (run_key, step, chunk))
    if existing is None:
        session.add(AudienceProgressRow(run_key=run_key, step=step, chunk=chunk, value=value))


async def forget_run(session: AsyncSession, run_key: str) -> int:
    result = await session.execute(
        delete(AudienceProgressRow).where(col(AudienceProgressRow.run_key) == run_key)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def record_feed(session: AsyncSession, feed: AudienceFeedRow) -> None:
    """Remember that the service writes to this audience (and which identifier types)."""
    existing = await session.get(AudienceFeedRow, (feed.advertiser_id, feed.audience_id))
    if existing is None:
        session.add(feed)
        return
    existing.name, existing.mode, existing.job_id = feed.name, feed.mode, feed.job_id
    existing.id_types = sorted(set(existing.id_types) | set(feed.id_types))
    existing.use_sandbox, existing.updated_at = feed.use_sandbox, utcnow()


async def drop_feed(session: AsyncSession, advertiser_id: str, audience_id: str) -> None:
    row = await session.get(AudienceFeedRow, (advertiser_id, audience_id))
    if row is not None:
        await session.delete(row)


async def feeds(session: AsyncSession, advertiser_id: str | None = None) -> list[AudienceFeedRow]:
    query = select(AudienceFeedRow).order_by(col(AudienceFeedRow.advertiser_id), col(AudienceFeedRow.name))
    if advertiser_id is not None:
        query = query.where(col(AudienceFeedRow.advertiser_id) == advertiser_id)
    return list((await session.execute(query)).scalars().all())
