"""The creative pool: the library's creatives per advertiser and campaign, from their spec
check to their retirement. Rejection recovery picks approved ones (oldest first, never one
it tried); a creative that fails review there is marked ``rejected`` so no recovery tries
it again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from models.recovery import PoolCreative
from models.recovery_tables import PoolCreativeRow

# draft: refused by a spec check (the rules it broke are in its note) -- fix and ingest again;
# validated: passed the checks, not on TikTok yet; uploaded: on TikTok, waiting for an
# operator's approval (CreativeIngest); approved: pickable; in_review: an ad made with it waits
# for TikTok's review (a recovery's replacement); rejected: failed review; fatigued: its ads'
# CTR fell well below their early CTR (the daily report); archived: never picked.
STATES = ("draft", "validated", "uploaded", "in_review", "approved", "rejected", "fatigued", "archived")
# What a launch may name: an operator's choice, approved or with an ad of it in review.
LAUNCHABLE = ("approved", "in_review")


async def _same(session: AsyncSession, row: PoolCreativeRow) -> PoolCreativeRow | None:
    """The stored item ``row`` is again: the same ingest's asset and text, or else the same
    creative and text for the same campaign."""
    if row.ingest_key is not None:
        found = (
            await session.execute(
                select(PoolCreativeRow).where(
                    col(PoolCreativeRow.ingest_key) == row.ingest_key,
                    col(PoolCreativeRow.ad_text) == row.ad_text,
                )
            )
        ).scalar_one_or_none()
        if found is not None or row.creative_id is None:
            return found
    return (
        await session.execute(
            select(PoolCreativeRow).where(
                col(PoolCreativeRow.advertiser_id) == row.advertiser_id,
                col(PoolCreativeRow.campaign_id) == row.campaign_id,
                col(PoolCreativeRow.creative_id) == row.creative_id,
                col(PoolCreativeRow.ad_text) == row.ad_text,
            )
        )
    ).scalar_one_or_none()


async def add(session: AsyncSession, row: PoolCreativeRow) -> PoolCreativeRow:
    """Add ``row``, or bring the same item to ``row``'s state (``approved`` for an operator's
    add; ``draft``, ``validated`` then ``uploaded`` as an ingest goes on)."""
    existing = await _same(session, row)
    if existing is not None:
        existing.state, existing.tags, existing.note = row.state, row.tags, row.note
        existing.creative_id, existing.kind = row.creative_id or existing.creative_id, row.kind
        existing.score, existing.facts, existing.source = row.score, row.facts, row.source
        existing.call_to_action, existing.landing_page_url = row.call_to_action, row.landing_page_url
        row = existing
    session.add(row)
    await session.flush()
    return row


async def items(
    session: AsyncSession, advertiser_id: str, *, campaign_id: str | None = None, state: str | None = None
) -> list[PoolCreativeRow]:
    stmt = select(PoolCreativeRow).where(col(PoolCreativeRow.advertiser_id) == advertiser_id)
    if campaign_id is not None:
        stmt = stmt.where(col(PoolCreativeRow.campaign_id).in_([campaign_id, ""]))
    if state is not None:
        stmt = stmt.where(col(PoolCreativeRow.state) == state)
    return list((await session.execute(stmt.order_by(col(PoolCreativeRow.id)))).scalars().all())


async def set_state(session: AsyncSession, pool_id: int, state: str) -> PoolCreativeRow | None:
    row = await session.get(PoolCreativeRow, pool_id)
    if row is not None:
        row.state = state
        session.add(row)
        await session.flush()
    return row


async def pick(
    session: AsyncSession, advertiser_id: str, campaign_id: str, exclude: Sequence[int]
) -> PoolCreative | None:
    """The approved creative to try next for ``campaign_id``: the campaign's own first, then
    the advertiser-wide ones, oldest first, none of ``exclude``."""
    stmt = (
        select(PoolCreativeRow)
        .where(
            col(PoolCreativeRow.advertiser_id) == advertiser_id,
            col(PoolCreativeRow.state) == "approved",
            col(PoolCreativeRow.creative_id).is_not(None),
            or_(col(PoolCreativeRow.campaign_id) == campaign_id, col(PoolCreativeRow.campaign_id) == ""),
        )
        .order_by(col(PoolCreativeRow.campaign_id).desc(), col(PoolCreativeRow.id))
    )
    for row in (await session.execute(stmt)).scalars():
        if row.id not in exclude:
            return PoolCreative(
                pool_id=row.id,
                kind="image" if row.kind == "image" else "video",
                creative_id=row.creative_id or "",
                ad_text=row.ad_text,
                call_to_action=row.call_to_action,
                landing_page_url=row.landing_page_url,
            )
    return None


async def mark_used(session: AsyncSession, pool_id: int, ad_id: str, *, verdict: str) -> None:
    """A recovery made ``ad_id`` with this item: ``pending`` puts an approved item in review;
    ``rejected`` retires it; any other verdict makes an item in review approved again."""
    row = await session.get(PoolCreativeRow, pool_id)
    if row is None:
        return
    if ad_id not in row.used_in:
        row.used_in = [*row.used_in, ad_id]
    if verdict == "rejected":
        row.state = "rejected"
    elif verdict == "pending" and row.state == "approved":
        row.state = "in_review"
    elif verdict != "pending" and row.state == "in_review":
        row.state = "approved"
    session.add(row)
    await session.flush()


async def retire(session: AsyncSession, advertiser_id: str, creative_ids: set[str], state: str) -> list[int]:
    """Move the advertiser's pickable (or uploaded) items of these creatives to ``state``; their ids."""
    if not creative_ids:
        return []
    rows = (
        (
            await session.execute(
                select(PoolCreativeRow).where(
                    col(PoolCreativeRow.advertiser_id) == advertiser_id,
                    col(PoolCreativeRow.creative_id).in_(sorted(creative_ids)),
                    col(PoolCreativeRow.state).in_(("approved", "uploaded")),
                )
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        row.state = state
    return sorted(int(r.id or 0) for r in rows)


async def link_cover(session: AsyncSession, ingest_key: str, image_id: str) -> int:
    """Record ``image_id`` (an uploaded thumbnail) as the cover of the ingest's video items."""
    rows = (
        (await session.execute(select(PoolCreativeRow).where(col(PoolCreativeRow.ingest_key) == ingest_key)))
        .scalars()
        .all()
    )
    for row in rows:
        row.facts = {**row.facts, "cover_image_id": image_id}
        session.add(row)
    await session.flush()
    return len(rows)
