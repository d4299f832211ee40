"""The operator CLI: run the embedded stack, start workflows, read their status.

``python starter.py --help`` lists the verbs. Bad input names the field and the reason and
exits non-zero. A later issue adds ``rollback``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from cli import approvals
from cli import audit as audit_cli
from cli import replay as replay_cli
from cli import templates as templates_cli
from cli.access import advertisers_app, users_app
from cli.common import EXIT_BAD_INPUT, console, err, jsonable, masked_url, run_client
from cli.templates import templates_app
from cli.tokens import token_app
from models.workflows import describe_validation_error
from settings import get_settings
from temporal_client import connect, default_workflow_id, start_workflow, ui_link
from workflows.catalog import WORKFLOWS, unknown_type_message

app = typer.Typer(help="TikTok Ads operations as durable Temporal workflows.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(users_app, name="users")
app.add_typer(advertisers_app, name="advertisers")
app.command()(approvals.approve)
app.command()(approvals.reject)
app.command()(approvals.pending)
app.command()(replay_cli.replay)
app.command()(audit_cli.audit)
app.add_typer(templates_app, name="templates")
app.command()(templates_cli.launch)


def load_input(workflow: str, path: Path) -> BaseModel:
    """Read and validate a workflow's JSON input, or exit with the reasons."""
    if workflow not in WORKFLOWS:
        err.print(unknown_type_message(workflow), markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        raw: Any = json.loads(path.read_text())
    except FileNotFoundError:
        err.print(f"[red]input file not found:[/] {path}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except json.JSONDecodeError as exc:
        err.print(f"[red]{path} is not valid JSON:[/] line {exc.lineno} column {exc.colno}: {exc.msg}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _, model = WORKFLOWS[workflow]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err.print(f"[red]invalid input for {workflow}[/] ({path}):")
        for line in describe_validation_error(exc):
            err.print(f"  {line}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


@app.command()
def dev() -> None:
    """Run the embedded stack (Temporal dev server, simulator, worker) and a demo workflow."""
    from devstack import run_dev_stack

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from connector import redact

    redact.install()
    run_dev_stack(settings)


@app.command()
def worker() -> None:
    """Run a worker on the configured task queue until SIGTERM/SIGINT."""
    from worker import main

    main()


@app.command()
def migrate() -> None:
    """Create or upgrade the application database schema (Alembic)."""
    from store import Store

    settings = get_settings()

    async def _go() -> None:
        store = Store(settings.effective_database_url)
        try:
            await store.migrate()
        finally:
            await store.dispose()

    asyncio.run(_go())
    console.print(f"database at {masked_url(settings)} is at the latest schema")


@app.command()
def start(
    workflow: Annotated[str, typer.Argument(help="workflow type, e.g. AdvertiserSync")],
    input: Annotated[Path, typer.Option("--input", "-i", help="JSON file with the workflow input")],
    workflow_id: Annotated[str | None, typer.Option("--id", help="workflow id (default derived)")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="wait for the result and print it")] = False,
) -> None:
    """Validate INPUT and start WORKFLOW on the tiktok-ads task queue."""
    inp = load_input(workflow, input)
    settings = get_settings()
    wid = workflow_id or default_workflow_id(workflow, inp)

    async def _go() -> Any:
        client = await connect(settings)
        started = await start_workflow(client, settings, workflow, inp, workflow_id=wid)
        handle = started.handle
        verb = "started" if started.new else "already running:"
        console.print(f"{verb} {workflow} id={handle.id}")
        console.print(ui_link(settings, handle.id))
        return await handle.result() if wait else None

    result = run_client(_go)
    if wait:
        console.print_json(data=jsonable(result))


@app.command()
def status(workflow_id: Annotated[str, typer.Argument(help="workflow id")]) -> None:
    """Show a workflow's state, search attributes, its `status` query and its result."""
    settings = get_settings()

    async def _go() -> dict[str, Any]:
        client = await connect(settings)
        handle = client.get_workflow_handle(workflow_id)
        desc = await handle.describe()
        out: dict[str, Any] = {
            "workflow_id": desc.id,
            "run_id": desc.run_id,
            "type": desc.workflow_type,
            "status": desc.status.name if desc.status else None,
            "started": desc.start_time.isoformat(),
            "closed": desc.close_time.isoformat() if desc.close_time else None,
            "search_attributes": {p.key.name: p.value for p in desc.typed_search_attributes},
            "ui": ui_link(settings, desc.id),
        }
        try:
            out["query_status"] = await handle.query("status")
        except RPCError as exc:
            out["query_status"] = f"unavailable: {exc.message}"
        if desc.status == WorkflowExecutionStatus.COMPLETED:
            out["result"] = await handle.result()
        return out

    console.print_json(data=jsonable(run_client(_go)))


if __name__ == "__main__":
    app()
