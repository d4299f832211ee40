"""Tenants, users and roles (spec section 15, FR-8), and notifications for people.

Roles: Viewer (read), Operator (create and edit campaigns), Approver (approve launches),
Admin (everything). A user acts on an advertiser only through a membership in the
advertiser's tenant.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tables import AdvertiserRow, MembershipRow, NotificationRow, TenantRow, UserRow

Role = Literal["Viewer", "Operator", "Approver", "Admin"]
ROLES: tuple[Role, ...] = ("Viewer", "Operator", "Approver", "Admin")
CAN_LAUNCH = ("Operator", "Admin")
CAN_APPROVE = ("Approver", "Admin")


async def add_tenant(session: AsyncSession, tenant_id: str, name: str | None = None) -> None:
    if await session.get(TenantRow, tenant_id) is None:
        session.add(TenantRow(tenant_id=tenant_id, name=name or tenant_id))
        await session.flush()


async def grant(session: AsyncSession, user_id: str, tenant_id: str, role: Role) -> None:
    """Give ``user_id`` ``role`` in ``tenant_id`` (creating the user and tenant if new)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    await add_tenant(session, tenant_id)
    if await session.get(UserRow, user_id) is None:
        session.add(UserRow(user_id=user_id))
    row = await session.get(MembershipRow, (user_id, tenant_id))
    if row is None:
        session.add(MembershipRow(user_id=user_id, tenant_id=tenant_id, role=role))
    else:
        row.role = role
    await session.flush()


async def assign_advertiser(
    session: AsyncSession, advertiser_id: str, tenant_id: str, *, monthly_budget: float | None = None
) -> None:
    """Put an advertiser in a tenant (and set its monthly budget for the burn-rate guardrail)."""
    await add_tenant(session, tenant_id)
    row = await session.get(AdvertiserRow, advertiser_id)
    if row is None:
        row = AdvertiserRow(advertiser_id=advertiser_id)
        session.add(row)
    row.tenant_id = tenant_id
    if monthly_budget is not None:
        row.monthly_budget = monthly_budget
    await session.flush()


async def users_with_roles(session: AsyncSession, advertiser_id: str, roles: tuple[str, ...]) -> list[str]:
    """Users holding one of ``roles`` in the advertiser's tenant, sorted."""
    adv = await session.get(AdvertiserRow, advertiser_id)
    if adv is None or adv.tenant_id is None:
        return []
    stmt = (
        select(MembershipRow.user_id)
        .where(col(MembershipRow.tenant_id) == adv.tenant_id)
        .where(col(MembershipRow.role).in_(roles))
    )
    return sorted((await session.execute(stmt)).scalars().all())


async def monthly_budget(session: AsyncSession, advertiser_id: str) -> float | None:
    adv = await session.get(AdvertiserRow, advertiser_id)
    return adv.monthly_budget if adv else None


async def memberships(session: AsyncSession, tenant_id: str | None = None) -> list[MembershipRow]:
    """Who holds which role where, by tenant then user."""
    stmt = select(MembershipRow).order_by(col(MembershipRow.tenant_id), col(MembershipRow.user_id))
    if tenant_id is not None:
        stmt = stmt.where(col(MembershipRow.tenant_id) == tenant_id)
    return list((await session.execute(stmt)).scalars().all())


async def advertisers(session: AsyncSession, tenant_id: str | None = None) -> list[AdvertiserRow]:
    """Known advertisers (assigned or synced), by tenant then id."""
    stmt = select(AdvertiserRow).order_by(col(AdvertiserRow.tenant_id), col(AdvertiserRow.advertiser_id))
    if tenant_id is not None:
        stmt = stmt.where(col(AdvertiserRow.tenant_id) == tenant_id)
    return list((await session.execute(stmt)).scalars().all())


async def notify(session: AsyncSession, notice: NotificationRow) -> bool:
    """Store a notification once per ``dedupe_key`` (activities may be retried); True if new."""
    found = await session.execute(
        select(NotificationRow.id).where(col(NotificationRow.dedupe_key) == notice.dedupe_key)
    )
    if found.first() is not None:
        return False
    session.add(notice)
    await session.flush()
    return True
