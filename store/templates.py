"""Launch templates (FR-2): saved partial ``CampaignLaunch`` inputs, merged with overrides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.errors import TemplateNotFound
from models.tables import LaunchTemplateRow, utcnow

__all__ = ["TemplateNotFound", "get_template", "list_templates", "merge", "save_template", "set_path"]


async def save_template(
    session: AsyncSession,
    name: str,
    body: dict[str, Any],
    *,
    updated_by: str | None = None,
    description: str | None = None,
    tenant_id: str | None = None,
) -> None:
    row = await session.get(LaunchTemplateRow, name)
    if row is None:
        row = LaunchTemplateRow(name=name)
        session.add(row)
    row.body, row.updated_by, row.description, row.tenant_id = body, updated_by, description, tenant_id
    row.updated_at = utcnow()
    await session.flush()


async def get_template(session: AsyncSession, name: str) -> LaunchTemplateRow:
    row = await session.get(LaunchTemplateRow, name)
    if row is None:
        raise TemplateNotFound(f"no launch template named {name!r}")
    return row


async def list_templates(session: AsyncSession) -> Sequence[LaunchTemplateRow]:
    return (
        (await session.execute(select(LaunchTemplateRow).order_by(col(LaunchTemplateRow.name))))
        .scalars()
        .all()
    )


def merge(template: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``overrides`` into ``template``: dicts merge, anything else replaces."""
    out = dict(template)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    """``set_path(d, "adgroups.0.budget", 150)``: list indexes are numbers."""
    parts = dotted.split(".")
    node: Any = target
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key: Any = int(part) if isinstance(node, list) else part
        if last:
            node[key] = value
        else:
            if isinstance(node, dict) and key not in node:
                node[key] = [] if parts[i + 1].isdigit() else {}
            node = node[key]
