"""``starter.py privacy forget | requests | purge``: deletion requests (right to be forgotten)
and the retention purge, run in this process with the worker's own code and settings."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import EXIT_BAD_INPUT, console, err, jsonable, store_session
from models.errors import InvalidInput
from settings import get_settings

privacy_app = typer.Typer(help="Deletion requests and the retention purge (personal data).")


async def _with_activities(fn: Any) -> Any:
    from activities.context import Dependencies
    from activities.privacy import PrivacyActivities

    deps = Dependencies.build(get_settings())
    try:
        await deps.store.migrate()
        return await fn(PrivacyActivities(deps))
    finally:
        await deps.aclose()


@privacy_app.command("forget")
def forget(
    as_user: Annotated[str, typer.Option("--as", help="who asks (kept in the audit)")],
    email: Annotated[str | None, typer.Option(help="the person's e-mail")] = None,
    phone: Annotated[str | None, typer.Option(help="the person's phone (E.164)")] = None,
    advertiser: Annotated[str | None, typer.Option(help="only this advertiser's audiences")] = None,
) -> None:
    """Remove a person from every audience this service feeds and from the store; audited
    without the identifier (a keyed hash)."""
    from activities.privacy import forget_request

    try:
        req = forget_request(email, phone, advertiser_id=advertiser, requested_by=as_user)
    except InvalidInput as exc:
        err.print(f"[red]{exc.message}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    done = asyncio.run(_with_activities(lambda acts: acts.forget_person(req)))
    console.print_json(data=jsonable(done))


@privacy_app.command("requests")
def requests() -> None:
    """Deletion requests so far (keyed hash, who, when, what was removed)."""
    from sqlmodel import col, select

    from models.audience_tables import PrivacyRequestRow

    async def go() -> list[Any]:
        async with store_session() as session:
            query = select(PrivacyRequestRow).order_by(col(PrivacyRequestRow.created_at).desc())
            return list((await session.execute(query)).scalars().all())

    rows = asyncio.run(go())
    table = Table("id", "when", "by", "kinds", "subject key", "audiences", "leads deleted")
    for r in rows:
        audiences = r.outcome.get("audiences", [])
        removed = sum(1 for a in audiences if a.get("outcome") == "removed")
        table.add_row(
            str(r.id), str(r.created_at), r.requested_by, ",".join(r.kinds), r.subject_key[:16] + "...",
            f"{removed}/{len(audiences)} removed", str(r.outcome.get("leads_deleted", 0)),
        )  # fmt: skip
    console.print(table if rows else "no deletion requests")


@privacy_app.command("purge")
def purge(
    days: Annotated[int | None, typer.Option(help="retention in days (default: setting)")] = None,
) -> None:
    """Delete personal data older than the retention period now (the schedule does it daily)."""
    from models.privacy import RetentionPurgeInput

    inp = RetentionPurgeInput(retention_days=days or get_settings().retention_days)
    done = asyncio.run(_with_activities(lambda acts: acts.purge_expired(inp)))
    console.print_json(data=jsonable(done))
