"""``starter.py users ...`` and ``starter.py advertisers ...``: tenants, roles, budgets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.text import Text
from sqlalchemy.ext.asyncio import AsyncSession

from cli.common import EXIT_BAD_INPUT, console, err, store_session
from cli.keys import keys_app, map_slack
from store.access import ROLES, advertisers, assign_advertiser, grant, memberships

users_app = typer.Typer(help="Users and their roles per tenant (Viewer, Operator, Approver, Admin).")
users_app.add_typer(keys_app, name="key")
users_app.command("slack")(map_slack)
advertisers_app = typer.Typer(help="Advertisers: tenant and monthly budget.")
T = TypeVar("T")


async def _with_store(fn: Any) -> None:
    async with store_session() as session:
        await fn(session)


async def _read(fn: Callable[[AsyncSession], Awaitable[list[T]]]) -> list[T]:
    async with store_session() as session:
        return await fn(session)


@users_app.command("grant")
def grant_role(
    user: Annotated[str, typer.Argument(help="user id, e.g. an e-mail or SSO subject")],
    tenant: Annotated[str, typer.Option(help="tenant id")],
    role: Annotated[str, typer.Option(help="Viewer, Operator, Approver or Admin")],
) -> None:
    """Give USER a role in a tenant (replacing the previous one)."""
    if role not in ROLES:
        err.print(f"[red]role: must be one of {', '.join(ROLES)}[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    asyncio.run(_with_store(lambda s: grant(s, user, tenant, role)))
    console.print(f"{user} is {role} of {tenant}")


@advertisers_app.command("assign")
def assign(
    advertiser_id: Annotated[str, typer.Argument(help="TikTok advertiser id")],
    tenant: Annotated[str, typer.Option(help="tenant id")],
    monthly_budget: Annotated[float | None, typer.Option(help="for the 5 %/day burn-rate guardrail")] = None,
) -> None:
    """Put an advertiser in a tenant; its users then see and act on it by role."""
    if not advertiser_id.isdigit():
        err.print("[red]advertiser_id: must be a TikTok advertiser id: digits only[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    asyncio.run(
        _with_store(lambda s: assign_advertiser(s, advertiser_id, tenant, monthly_budget=monthly_budget))
    )
    console.print(f"advertiser {advertiser_id} belongs to {tenant}")


@users_app.command("list")
def list_users(tenant: Annotated[str | None, typer.Option(help="only this tenant")] = None) -> None:
    """Every user's role per tenant."""
    rows = asyncio.run(_read(lambda s: memberships(s, tenant)))
    if not rows:
        console.print("no users" + (f" in {tenant}" if tenant else "") + ": add one with `users grant`")
    for m in rows:
        console.print(Text(f"{m.tenant_id}  {m.user_id}  {m.role}"))


@advertisers_app.command("list")
def list_advertisers(tenant: Annotated[str | None, typer.Option(help="only this tenant")] = None) -> None:
    """Advertisers with their tenant, name and monthly budget."""
    rows = asyncio.run(_read(lambda s: advertisers(s, tenant)))
    if not rows:
        console.print("no advertisers: connect one (`token connect`) or `advertisers assign` it")
    for a in rows:
        budget = f"{a.monthly_budget:g}/month" if a.monthly_budget else "no monthly budget"
        console.print(Text(f"{a.advertiser_id}  {a.tenant_id or '(no tenant)'}  {a.name or ''}  {budget}"))
