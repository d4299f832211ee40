"""Audience export in the store: acknowledged progress of runs, and the audiences fed."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.audience_tables import AudienceFeedRow, AudienceJobRow, AudienceProgressRow
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


async def record_outcome(
    session: AsyncSession, job_id: str, advertiser_id: str, ok: bool, run: str
) -> AudienceJobRow:
    """Count a run of job ``job_id``: a success resets the failure streak, a failure extends it."""
    row = await session.get(AudienceJobRow, job_id)
    if row is None:
        row = AudienceJobRow(job_id=job_id, advertiser_id=advertiser_id)
        session.add(row)
    row.failures = 0 if ok else row.failures + 1
    row.last_status = "completed" if ok else "failed"
    row.last_run_id, row.last_run_at = run, utcnow()
    if ok:
        row.paused_reason = None
    return row


async def save_job(session: AsyncSession, job: AudienceJobRow) -> None:
    existing = await session.get(AudienceJobRow, job.job_id)
    if existing is None:
        session.add(job)
        return
    existing.advertiser_id, existing.params, existing.cron = job.advertiser_id, job.params, job.cron
    existing.paused_reason = None


async def jobs(session: AsyncSession) -> list[AudienceJobRow]:
    return list(
        (await session.execute(select(AudienceJobRow).order_by(col(AudienceJobRow.job_id)))).scalars().all()
    )
