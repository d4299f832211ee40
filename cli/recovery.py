"""``starter.py recovery list | retry | give-up | reconcile`` and ``starter.py alerts``:
follow rejection recoveries, answer an escalated one, and find rejections no webhook told of."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from temporalio.client import WorkflowUpdateFailedError

from cli.common import EXIT_REFUSED, console, err, run_client, store_session
from models.recovery import GiveUp, RecoveryStatus, RetryWith, recovery_id
from settings import get_settings
from temporal_client import connect, ui_link

recovery_app = typer.Typer(help="Rejection recoveries: what they did, and decisions when they escalate.")


def _wid(target: str) -> str:
    """Accept the workflow id or the rejected ad's id."""
    return target if target.startswith("recover-") else recovery_id(target)


@recovery_app.command("list")
def list_recoveries(
    advertiser: Annotated[str | None, typer.Option(help="only this advertiser")] = None,
) -> None:
    """Recoveries, newest first: state, reason, attempts, MTTR."""
    from store import events

    async def go() -> list[Any]:
        async with store_session() as session:
            return await events.recoveries(session, advertiser)

    rows = asyncio.run(go())
    table = Table("workflow", "state", "category", "reason", "tried", "replacement", "MTTR")
    for r in rows:
        mttr = f"{r.mttr_seconds / 60:.1f} min" if r.mttr_seconds is not None else "-"
        table.add_row(
            r.workflow_id,
            r.state,
            r.category,
            r.reason[:60],
            str(len(r.tried)),
            r.replacement_ad_id or "-",
            mttr,
        )
    console.print(table if rows else "no recoveries yet")


def _decide(target: str, name: str, req: RetryWith | GiveUp) -> None:
    settings = get_settings()
    wid = _wid(target)

    async def go() -> RecoveryStatus | str:
        client = await connect(settings)
        try:
            status: RecoveryStatus = await client.get_workflow_handle(wid).execute_update(
                name, req, result_type=RecoveryStatus
            )
            return status
        except WorkflowUpdateFailedError as exc:
            return f"{name} refused: {exc.cause}"

    answer = run_client(go)
    if isinstance(answer, str):
        err.print(Text(answer))
        raise typer.Exit(EXIT_REFUSED)
    console.print(f"{name} recorded for {wid}; follow it: {ui_link(settings, wid)}")


@recovery_app.command("retry")
def retry(
    target: Annotated[str, typer.Argument(help="recover-<ad id>, or the rejected ad's id")],
    creative: Annotated[str, typer.Option(help="video_id (or image id with --kind image) to try")],
    as_user: Annotated[str, typer.Option("--as", help="who decides")],
    kind: Annotated[str, typer.Option(help="video or image")] = "video",
    text: Annotated[str | None, typer.Option(help="new ad text (default: the rejected ad's)")] = None,
    landing_page: Annotated[str | None, typer.Option(help="new landing page URL")] = None,
) -> None:
    """Answer an escalated recovery: try this creative now (update `retry_with`)."""
    req = RetryWith.model_validate(
        {
            "actor": as_user,
            "creative_id": creative,
            "kind": kind,
            "ad_text": text,
            "landing_page_url": landing_page,
        }
    )
    _decide(target, "retry_with", req)


@recovery_app.command("give-up")
def give_up(
    target: Annotated[str, typer.Argument(help="recover-<ad id>, or the rejected ad's id")],
    as_user: Annotated[str, typer.Option("--as", help="who decides")],
    reason: Annotated[str, typer.Option(help="why")] = "",
) -> None:
    """Leave the ad paused and end the recovery (update `give_up`)."""
    _decide(target, "give_up", GiveUp(actor=as_user, reason=reason))


@recovery_app.command("reconcile")
def reconcile_now(advertiser: Annotated[str, typer.Option(help="TikTok advertiser id")]) -> None:
    """Hand every rejected ad still enabled to its recovery now (each cycle does this too)."""
    from activities.context import Dependencies
    from activities.recovery import reconcile

    settings = get_settings()

    async def go() -> Any:
        client = await connect(settings)
        deps = Dependencies.build(settings)
        try:
            return await reconcile(deps.tiktok, deps.store, client, settings, advertiser)
        finally:
            await deps.aclose()

    found = run_client(go)
    console.print(
        f"{found.rejected} rejected ad(s) still enabled; handed to: {', '.join(found.handed_off) or '-'}"
    )
    if found.replacements:
        console.print(f"replacements left to their recovery: {', '.join(found.replacements)}")


def alerts(
    advertiser: Annotated[str | None, typer.Option(help="only this advertiser")] = None,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 30,
) -> None:
    """Alerts raised (by recoveries, detectors, the receiver) and where each went."""
    from store import alerts as stored

    async def go() -> list[Any]:
        async with store_session() as session:
            return await stored.listing(session, advertiser, limit)

    rows = asyncio.run(go())
    table = Table("when (UTC)", "level", "kind", "title", "sent to")
    for r in rows:
        sent = ", ".join(f"{k}: {v}" for k, v in r.deliveries.items()) or "-"
        held = f" (held until {r.held_until:%H:%M})" if r.held_until else ""
        table.add_row(f"{r.created_at:%Y-%m-%d %H:%M}", r.level, r.kind, r.title, sent + held)
    console.print(table if rows else "no alerts")
