"""``starter.py start | status``: start a workflow from a JSON file (or check a launch
first), and say in one line how a run stands or ended, then the details."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.text import Text
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
)
from temporalio.service import RPCError

from cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_REFUSED, console, err, jsonable, run_client
from models.launch import CampaignLaunchInput, LaunchPlan
from models.workflows import CAMPAIGN_LAUNCH, describe_validation_error
from settings import get_settings
from temporal_client import connect, default_workflow_id, start_workflow, ui_link
from workflows.catalog import WORKFLOWS, unknown_type_message


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
            err.print(f"  {line}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


async def plan(inp: CampaignLaunchInput) -> LaunchPlan:
    """What ``prepare_launch`` would find, run here with the worker's own code and settings."""
    from activities.context import Dependencies
    from activities.launch import plan_launch

    deps = Dependencies.build(get_settings())
    try:
        await deps.store.migrate()
        return await plan_launch(deps.store, deps.tiktok, inp)
    finally:
        await deps.aclose()


def check_launch(inp: CampaignLaunchInput) -> None:
    """Print the launch's plan; exit 3 when guardrails would refuse it."""
    result: LaunchPlan = asyncio.run(plan(inp))
    for v in result.violations:
        err.print(Text(f"{v.field}: {v.message} [{v.rule}]"))
    if result.violations:
        err.print(f"refused: {len(result.violations)} violation(s); nothing was started")
        raise typer.Exit(EXIT_REFUSED)
    rec = result.recommendation
    console.print(f"ok: guardrails pass; approvers: {', '.join(result.approvers) or 'none needed'}")
    if rec is not None:
        console.print(
            Text(f"recommended: {rec.adgroups} ad group(s), {rec.bid_strategy}. " + " ".join(rec.notes))
        )


def start(
    workflow: Annotated[str, typer.Argument(help="workflow type, e.g. AdvertiserSync")],
    input: Annotated[Path, typer.Option("--input", "-i", help="JSON file with the workflow input")],
    workflow_id: Annotated[str | None, typer.Option("--id", help="workflow id (default derived)")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="wait for the result and print it")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="CampaignLaunch: run the guardrails now, start nothing")
    ] = False,
) -> None:
    """Validate INPUT and start WORKFLOW on the tiktok-ads task queue."""
    inp = load_input(workflow, input)
    if check:
        if not isinstance(inp, CampaignLaunchInput):
            err.print(f"--check applies to {CAMPAIGN_LAUNCH} only")
            raise typer.Exit(EXIT_BAD_INPUT)
        check_launch(inp)
        return
    settings = get_settings()
    wid = workflow_id or default_workflow_id(workflow, inp)

    async def _go() -> tuple[str, Any] | None:
        client = await connect(settings)
        started = await start_workflow(client, settings, workflow, inp, workflow_id=wid)
        verb = "started" if started.new else "already running:"
        console.print(f"{verb} {workflow} {wid}\n{ui_link(settings, wid)}")
        if not wait:
            return None
        result = None
        try:
            result = await started.handle.result()
        except WorkflowFailureError:
            pass
        return await summary(client, wid), result

    ended = run_client(_go)
    if ended is not None:
        line, result = ended
        if result is not None:
            console.print_json(data=jsonable(result))
        console.print(Text(line))
        raise typer.Exit(_exit_code(line))


def _exit_code(line: str) -> int:
    if " FAILED" in line or " TERMINATED" in line or " TIMED_OUT" in line:
        return EXIT_FAILED
    return EXIT_REFUSED if "outcome refused" in line or "outcome rejected" in line else 0


async def summary(client: Client, workflow_id: str) -> str:
    """One line: the run's state and, once ended, how (outcome, refusal, failure)."""
    handle = client.get_workflow_handle(workflow_id)
    desc = await handle.describe()
    return _line(desc, await _status(client, workflow_id), await _ending(client, desc))


async def _status(client: Client, workflow_id: str) -> Any:
    try:
        return await client.get_workflow_handle(workflow_id).query("status")
    except (RPCError, WorkflowFailureError) as exc:
        return f"unavailable: {getattr(exc, 'message', exc)}"


async def _ending(client: Client, desc: WorkflowExecutionDescription) -> tuple[Any, str | None]:
    """``(result, failure message)`` of a closed run."""
    handle = client.get_workflow_handle(desc.id, run_id=desc.run_id)
    if desc.status == WorkflowExecutionStatus.COMPLETED:
        return await handle.result(), None
    if desc.status == WorkflowExecutionStatus.FAILED:
        try:
            await handle.result()
        except WorkflowFailureError as exc:
            cause = exc.cause
            return None, getattr(cause, "message", None) or str(cause)
    return None, None


def _line(desc: WorkflowExecutionDescription, status: Any, ending: tuple[Any, str | None]) -> str:
    state = desc.status.name if desc.status else "UNKNOWN"
    head = f"{desc.workflow_type} {desc.id}: {state}"
    result, failure = ending
    if failure:
        return f"{head}: {failure}"
    if isinstance(result, dict) and result.get("outcome"):
        reason = result.get("reason")
        return f"{head}, outcome {result['outcome']}" + (f": {reason}" if reason else "")
    if isinstance(status, dict):
        waiting = status.get("waiting_for")
        step = status.get("step") or status.get("phase")
        if waiting:
            return f"{head}, waiting for {waiting}"
        if step:
            return f"{head}, {step}"
    return head


def status(workflow_id: Annotated[str, typer.Argument(help="workflow id")]) -> None:
    """One line on how the run stands or ended; then its search attributes, its `status`
    query (step, approvals, refusals, failure) and its result."""
    settings = get_settings()

    async def _go() -> tuple[str, dict[str, Any]]:
        client = await connect(settings)
        desc = await client.get_workflow_handle(workflow_id).describe()
        query, ending = await _status(client, workflow_id), await _ending(client, desc)
        out: dict[str, Any] = {
            "workflow_id": desc.id,
            "run_id": desc.run_id,
            "type": desc.workflow_type,
            "status": desc.status.name if desc.status else None,
            "started": desc.start_time.isoformat(),
            "closed": desc.close_time.isoformat() if desc.close_time else None,
            "search_attributes": {p.key.name: p.value for p in desc.typed_search_attributes},
            "ui": ui_link(settings, desc.id),
            "query_status": query,
        }
        if ending[0] is not None:
            out["result"] = ending[0]
        if ending[1] is not None:
            out["failure"] = ending[1]
        return _line(desc, query, ending), out

    line, details = run_client(_go)
    console.print(Text(line))
    console.print_json(data=jsonable(details))


def dev() -> None:
    """Run the embedded stack (Temporal dev server, simulator, worker) and a demo workflow."""

    from devstack import StackError, run_dev_stack
    from observability import logs

    settings = get_settings()
    logs.configure(settings)
    try:
        run_dev_stack(settings)
    except StackError as exc:
        err.print(f"[red]cannot start the embedded stack:[/] {exc}")
        raise typer.Exit(EXIT_FAILED) from None
