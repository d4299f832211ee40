"""``starter.py templates ...`` and ``starter.py launch --template``: saved launches (FR-2)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from cli.common import EXIT_BAD_INPUT, console, err, run_client, store_session
from cli.runs import check_launch
from models.launch import CampaignLaunchInput
from models.workflows import CAMPAIGN_LAUNCH, describe_validation_error
from settings import get_settings
from store.templates import TemplateNotFound, get_template, list_templates, merge, save_template, set_path
from temporal_client import connect, new_launch_id, start_workflow, ui_link

templates_app = typer.Typer(help="Launch templates: objective, budget, period, regions, ages, bid strategy.")


async def _store_call(fn: Any) -> Any:
    async with store_session() as session:
        return await fn(session)


@templates_app.command("save")
def save(
    name: Annotated[str, typer.Argument(help="template name")],
    file: Annotated[Path, typer.Option("--file", help="JSON: any part of a CampaignLaunch input")],
    description: Annotated[str | None, typer.Option(help="what it is for")] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="who saves it")] = None,
) -> None:
    """Save (or replace) a launch template."""
    try:
        body = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        err.print(f"[red]{file}: {exc}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if not isinstance(body, dict) or "advertiser_id" in body:
        err.print("[red]a template is a JSON object without advertiser_id (chosen at launch)[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    asyncio.run(
        _store_call(lambda s: save_template(s, name, body, updated_by=as_user, description=description))
    )
    console.print(f"template {name} saved")


@templates_app.command("list")
def list_() -> None:
    """List saved templates."""
    for row in asyncio.run(_store_call(list_templates)):
        console.print(
            f"{row.name}  {row.description or ''}  (by {row.updated_by or '?'}, {row.updated_at:%Y-%m-%d})"
        )


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    """``key.path=value`` pairs into a nested dict; values are JSON when they parse as JSON."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--set {pair!r}: expected key=value")
        key, value = pair.split("=", 1)
        try:
            parsed: Any = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        set_path(out, key.strip(), parsed)
    return out


def launch(
    template: Annotated[str, typer.Option(help="saved template to start from")],
    advertiser: Annotated[str, typer.Option(help="TikTok advertiser id")],
    as_user: Annotated[str, typer.Option("--as", help="the requester")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="override, e.g. campaign.budget=800")
    ] = None,
    workflow_id: Annotated[str | None, typer.Option("--id", help="workflow id (default derived)")] = None,
    check: Annotated[bool, typer.Option("--check", help="run the guardrails now, start nothing")] = False,
) -> None:
    """Start a CampaignLaunch from a template plus overrides (checked here before starting)."""
    try:
        given = merge(
            {"template": template, "advertiser_id": advertiser, "requester": as_user}, parse_sets(set_ or [])
        )
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        body = asyncio.run(_store_call(lambda s: get_template(s, template))).body
        inp = CampaignLaunchInput.model_validate(merge(body, given))
    except TemplateNotFound as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except ValidationError as exc:
        err.print(f"[red]invalid launch from template {template}:[/]")
        for line in describe_validation_error(exc):
            err.print(f"  {line}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if check:
        check_launch(inp)
        return
    wid = workflow_id or new_launch_id(inp.campaign.campaign_name)
    settings = get_settings()

    async def go() -> bool:
        client = await connect(settings)
        return (await start_workflow(client, settings, CAMPAIGN_LAUNCH, given, workflow_id=wid)).new

    verb = "started" if run_client(go) else "already running:"
    console.print(f"{verb} CampaignLaunch {wid} from template {template}\n{ui_link(settings, wid)}")
