"""The local mirror of TikTok objects: idempotent upserts that report what changed.

Upserts use the dialect's ``INSERT ... ON CONFLICT DO UPDATE`` so that two syncs of the
same advertiser racing each other cannot fail on a duplicate key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from models.tables import AdGroupRow, AdRow, AdvertiserRow, CampaignRow, CreativeRow, utcnow
from models.tiktok import Ad, AdGroup, Advertiser, Campaign, Image, Video
from models.workflows import SyncCounts
from store.db import upsert_insert

_CHUNK = 500


def campaign_row(c: Campaign) -> dict[str, Any]:
    return {
        "campaign_id": c.campaign_id,
        "advertiser_id": c.advertiser_id,
        "name": c.campaign_name,
        "objective_type": c.objective_type,
        "budget_mode": c.budget_mode,
        "budget": c.budget,
        "operation_status": c.operation_status,
        "secondary_status": c.secondary_status,
        "raw": c.raw(),
    }


def adgroup_row(g: AdGroup) -> dict[str, Any]:
    return {
        "adgroup_id": g.adgroup_id,
        "campaign_id": g.campaign_id,
        "advertiser_id": g.advertiser_id,
        "name": g.adgroup_name,
        "budget_mode": g.budget_mode,
        "budget": g.budget,
        "bid_type": g.bid_type,
        "conversion_bid_price": g.conversion_bid_price,
        "operation_status": g.operation_status,
        "secondary_status": g.secondary_status,
        "raw": g.raw(),
    }


def ad_row(a: Ad) -> dict[str, Any]:
    return {
        "ad_id": a.ad_id,
        "adgroup_id": a.adgroup_id,
        "campaign_id": a.campaign_id,
        "advertiser_id": a.advertiser_id,
        "name": a.ad_name,
        "video_id": a.video_id,
        "image_ids": list(a.image_ids),
        "operation_status": a.operation_status,
        "secondary_status": a.secondary_status,
        "raw": a.raw(),
    }


def creative_row(advertiser_id: str, c: Video | Image) -> dict[str, Any]:
    is_video = isinstance(c, Video)
    return {
        "creative_id": c.video_id if isinstance(c, Video) else c.image_id,
        "kind": "video" if is_video else "image",
        "advertiser_id": advertiser_id,
        "file_name": c.file_name,
        "width": c.width,
        "height": c.height,
        "duration": c.duration if isinstance(c, Video) else None,
        "size": c.size,
        "format": c.format,
        "signature": c.signature,
        "raw": c.raw(),
    }


def advertiser_row(a: Advertiser) -> dict[str, Any]:
    return {
        "advertiser_id": a.advertiser_id,
        "name": a.name,
        "currency": a.currency,
        "timezone": a.timezone,
        "status": a.status,
        "raw": a.raw(),
    }


async def upsert_rows(
    session: AsyncSession,
    table: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    now: datetime | None = None,
) -> SyncCounts:
    """Insert new rows, update changed ones, leave identical ones; count each."""
    counts = SyncCounts(fetched=len(rows))
    if not rows:
        return counts
    key = _primary_key(table)
    stamp = now or utcnow()
    for chunk in _chunks(rows, _CHUNK):
        ids = [r[key] for r in chunk]
        col = getattr(table, key)
        existing = {
            row[0]: row[1]
            for row in (await session.execute(select(col, table.raw).where(col.in_(ids)))).all()  # type: ignore[attr-defined]
        }
        changed: list[dict[str, Any]] = []
        for r in chunk:
            if r[key] not in existing:
                counts.inserted += 1
            elif existing[r[key]] != r["raw"]:
                counts.updated += 1
            else:
                counts.unchanged += 1
                continue
            changed.append({**r, "synced_at": stamp})
        if changed:  # one compiled statement, executed for many rows
            await session.execute(_upsert_statement(session, table, key, list(changed[0])), changed)
    return counts


def _upsert_statement(session: AsyncSession, table: type[SQLModel], key: str, columns: list[str]) -> Any:
    insert = upsert_insert(session)
    stmt = insert(table)
    updatable = [c for c in columns if c != key]
    return stmt.on_conflict_do_update(
        index_elements=[key], set_={c: getattr(stmt.excluded, c) for c in updatable}
    )


def _primary_key(table: type[SQLModel]) -> str:
    return str(table.__table__.primary_key.columns.values()[0].name)  # type: ignore[attr-defined]


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterable[Sequence[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


async def upsert_advertiser(session: AsyncSession, a: Advertiser) -> SyncCounts:
    return await upsert_rows(session, AdvertiserRow, [advertiser_row(a)])


async def upsert_campaigns(session: AsyncSession, items: Sequence[Campaign]) -> SyncCounts:
    return await upsert_rows(session, CampaignRow, [campaign_row(c) for c in items])


async def upsert_adgroups(session: AsyncSession, items: Sequence[AdGroup]) -> SyncCounts:
    return await upsert_rows(session, AdGroupRow, [adgroup_row(g) for g in items])


async def upsert_ads(session: AsyncSession, items: Sequence[Ad]) -> SyncCounts:
    return await upsert_rows(session, AdRow, [ad_row(a) for a in items])


async def upsert_creatives(
    session: AsyncSession, advertiser_id: str, items: Sequence[Video | Image]
) -> SyncCounts:
    return await upsert_rows(session, CreativeRow, [creative_row(advertiser_id, c) for c in items])


async def creative_ids_in_use(session: AsyncSession, advertiser_id: str) -> tuple[list[str], list[str]]:
    """The video ids and image ids the advertiser's mirrored ads refer to, sorted."""
    rows = (
        await session.execute(
            select(AdRow.video_id, AdRow.image_ids).where(col(AdRow.advertiser_id) == advertiser_id)
        )
    ).all()
    videos = sorted({v for v, _ in rows if v})
    images = sorted({i for _, ids in rows for i in (ids or [])})
    return videos, images
