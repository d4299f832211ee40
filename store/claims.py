"""Creation claims: what a create activity recorded under its idempotency key.

The first attempt records the ids of objects that already carry the name (they are not
ours) before it creates anything; after TikTok answers it records the new id. A later
attempt (retry, restart, reset of the same workflow id) reads the claim and finds its
object by id, or, when the answer was lost, by name among the objects that are not foreign.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import CreationClaimRow


async def get_claim(session: AsyncSession, key: str) -> CreationClaimRow | None:
    return await session.get(CreationClaimRow, key)


async def add_claim(
    session: AsyncSession,
    *,
    key: str,
    advertiser_id: str,
    entity_type: str,
    name: str,
    foreign_ids: Sequence[str],
) -> CreationClaimRow:
    """The claim for ``key``: the existing one if an earlier attempt wrote it, else a new one."""
    found = await session.get(CreationClaimRow, key)
    if found is not None:
        return found
    row = CreationClaimRow(
        key=key,
        advertiser_id=advertiser_id,
        entity_type=entity_type,
        name=name,
        foreign_ids=list(foreign_ids),
    )
    session.add(row)
    await session.flush()
    return row


async def record_created(session: AsyncSession, key: str, entity_id: str) -> None:
    row = await session.get(CreationClaimRow, key)
    if row is not None and row.entity_id is None:
        row.entity_id = entity_id
        await session.flush()
