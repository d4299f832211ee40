"""Approvers' public keys and Slack users: what ``starter.py users key`` writes and what a
launch or cycle plan reads to check signed approvals."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from models.identity import ApproverKey, Signing
from models.identity_tables import ApprovalKeyRow, SlackUserRow
from models.tables import utcnow


async def add_key(session: AsyncSession, user_id: str, public_key: str, service: str | None = None) -> str:
    """Register a public key; its new key id."""
    key_id = f"{'svc-' + service if service else 'k'}-{secrets.token_hex(6)}"
    session.add(ApprovalKeyRow(key_id=key_id, user_id=user_id, public_key=public_key, service=service))
    await session.flush()
    return key_id


async def revoke(session: AsyncSession, key_id: str) -> bool:
    row = await session.get(ApprovalKeyRow, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    await session.flush()
    return True


async def signing_for(session: AsyncSession, approvers: Sequence[str], required: bool) -> Signing:
    """The live keys of these approvers and of every service, for a plan."""
    stmt = select(ApprovalKeyRow).where(
        col(ApprovalKeyRow.revoked_at).is_(None),
        or_(col(ApprovalKeyRow.user_id).in_(list(approvers)), col(ApprovalKeyRow.service).is_not(None)),
    )
    rows = (await session.execute(stmt)).scalars().all()
    keys = [
        ApproverKey(key_id=r.key_id, user_id=r.user_id, public_key=r.public_key, service=r.service)
        for r in rows
    ]
    return Signing(required=required, keys=keys)


async def map_slack_user(session: AsyncSession, slack_user_id: str, user_id: str) -> None:
    row = await session.get(SlackUserRow, slack_user_id) or SlackUserRow(
        slack_user_id=slack_user_id, user_id=user_id
    )
    row.user_id = user_id
    session.add(row)
    await session.flush()


async def slack_user(session: AsyncSession, slack_user_id: str) -> str | None:
    row = await session.get(SlackUserRow, slack_user_id)
    return row.user_id if row else None
