"""``starter.py schedule ...``: the per-advertiser schedules of the optimization cycle."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.text import Text
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from cli.common import EXIT_BAD_INPUT, EXIT_FAILED, console, err, run_client
from models.optimization import CycleSettings
from models.workflows import describe_validation_error, optimize_schedule_id, prior_schedule_id
from settings import get_settings
from temporal_client import connect

schedule_app = typer.Typer(help="Schedules of OptimizationCycle: optimize-<advertiser> every 2 h.")

Advertiser = Annotated[str, typer.Argument(help="TikTok advertiser id")]


@schedule_app.command("create")
def create(
    advertiser_id: Advertiser,
    every_hours: Annotated[float, typer.Option(min=0.25, max=24, help="hours between cycles")] = 2.0,
    target_cpa: Annotated[float | None, typer.Option(help="Cost Cap target CPA")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="cycles decide and explain only")] = False,
    paused: Annotated[bool, typer.Option("--paused", help="create it paused")] = False,
    settings_json: Annotated[
        str, typer.Option("--settings", help="more cycle settings as JSON, e.g. '{\"max_move\": 0.3}'")
    ] = "{}",
) -> None:
    """Create optimize-<advertiser>, or update it to these settings (idempotent)."""
    from schedules import ensure_optimization_schedule

    try:
        extra = json.loads(settings_json)
    except json.JSONDecodeError as exc:
        err.print(Text(f"--settings: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        cycle = CycleSettings.model_validate({**extra, "target_cpa": target_cpa or extra.get("target_cpa"),
                                              "dry_run": dry_run or extra.get("dry_run", False)})  # fmt: skip
    except ValidationError as exc:
        for line in describe_validation_error(exc):
            err.print(Text(line))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    settings = get_settings()

    async def go() -> bool:
        client = await connect(settings)
        every = timedelta(hours=every_hours)
        return await ensure_optimization_schedule(
            client, settings, advertiser_id, cycle=cycle, every=every, paused=paused
        )

    created = run_client(go)
    verb = "created" if created else "updated"
    console.print(
        f"{verb} schedule {optimize_schedule_id(advertiser_id)}: OptimizationCycle every {every_hours:g} h"
    )


def _on_schedule(advertiser_id: str, what: str, op: str, note: str | None = None) -> None:
    settings = get_settings()
    sid = optimize_schedule_id(advertiser_id)

    async def go() -> None:
        client: Client = await connect(settings)
        handle = client.get_schedule_handle(sid)
        try:
            if op == "pause":
                await handle.pause(note=note or "paused from the CLI")
            elif op == "resume":
                await handle.unpause(note=note or "resumed from the CLI")
            elif op == "trigger":
                await handle.trigger()
            else:
                await handle.delete()
                try:  # the advertiser's daily prior fit goes with it
                    await client.get_schedule_handle(prior_schedule_id(advertiser_id)).delete()
                except RPCError as gone:
                    if gone.status != RPCStatusCode.NOT_FOUND:
                        raise
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                err.print(f"no schedule {sid}: create it with `starter.py schedule create {advertiser_id}`")
                raise typer.Exit(EXIT_FAILED) from None
            raise

    run_client(go)
    console.print(f"schedule {sid} {what}")


@schedule_app.command("pause")
def pause(advertiser_id: Advertiser, note: Annotated[str | None, typer.Option(help="why")] = None) -> None:
    """Stop starting cycles until resumed (a running cycle finishes)."""
    _on_schedule(advertiser_id, "paused", "pause", note)


@schedule_app.command("resume")
def resume(advertiser_id: Advertiser, note: Annotated[str | None, typer.Option(help="why")] = None) -> None:
    _on_schedule(advertiser_id, "resumed", "resume", note)


@schedule_app.command("trigger")
def trigger(advertiser_id: Advertiser) -> None:
    """Start a cycle now (skipped if one is still running: overlap SKIP)."""
    _on_schedule(advertiser_id, "triggered", "trigger")


@schedule_app.command("delete")
def delete(advertiser_id: Advertiser) -> None:
    """Delete the schedule (and its daily fit-priors-<advertiser>); runs already started go on."""
    _on_schedule(advertiser_id, "deleted", "delete")


@schedule_app.command("list")
def list_() -> None:
    """Every optimize-* schedule: paused or not, next run, latest runs."""
    from schedules import list_schedules

    settings = get_settings()

    async def go() -> None:
        client = await connect(settings)
        lines = await list_schedules(client)
        if not lines:
            console.print("no optimize-* schedules (starter.py schedule create ADVERTISER_ID)")
        for line in lines:
            state = "PAUSED" if line.paused else "active"
            nxt = (
                f"next {line.next_run:%Y-%m-%d %H:%M} UTC"
                if line.next_run and not line.paused
                else "no next run"
            )
            recent = f"; latest: {', '.join(line.recent)}" if line.recent else ""
            console.print(Text(f"{line.schedule_id}  {state}  {nxt}  {line.note}{recent}"))

    run_client(go)
