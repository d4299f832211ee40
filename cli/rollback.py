"""``starter.py rollback``: undo what one run changed on TikTok, from its history."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.text import Text
from temporalio.client import WorkflowFailureError

from cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_REFUSED, console, err, run_client
from models.errors import ServiceError
from models.rollback import RollbackInput, RollbackResult
from models.workflows import ROLLBACK, describe_validation_error, rollback_id
from settings import get_settings
from temporal_client import connect, start_workflow, ui_link


def rollback(
    workflow_id: Annotated[str, typer.Argument(help="the run whose changes to undo (a launch, a cycle)")],
    as_user: Annotated[str, typer.Option("--as", help="who asks for it")],
    reason: Annotated[str | None, typer.Option(help="why")] = None,
    force: Annotated[bool, typer.Option(help="restore even where the live value moved on since")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what would be restored; change nothing")
    ] = False,
    run_id: Annotated[str | None, typer.Option(help="that workflow's run (default: its latest)")] = None,
) -> None:
    """Restore every object the run changed to its recorded `before`, newest first (workflow
    `Rollback`); stops at the first object someone changed since, unless --force."""
    try:
        inp = RollbackInput(
            workflow_id=workflow_id, run_id=run_id, actor=as_user, reason=reason, force=force, dry_run=dry_run
        )
    except ValidationError as exc:
        for line in describe_validation_error(exc):
            err.print(Text(line))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    settings = get_settings()
    wid = rollback_id(workflow_id) + ("-dry-run" if dry_run else "")

    async def go() -> RollbackResult | str:
        client = await connect(settings)
        started = await start_workflow(
            client, settings, ROLLBACK, inp, workflow_id=wid, result_type=RollbackResult
        )
        console.print(
            f"{'started' if started.new else 'already running:'} Rollback {wid}\n{ui_link(settings, wid)}"
        )
        try:
            result: Any = await started.handle.result()
        except WorkflowFailureError as exc:
            failure = ServiceError.find(exc)
            return failure.message if failure else str(exc.cause)
        return RollbackResult.model_validate(result)

    result = run_client(go)
    if isinstance(result, str):
        err.print(Text(f"rollback failed: {result}"))
        raise typer.Exit(EXIT_FAILED)
    for line in result.planned:
        console.print(Text(("would restore " if dry_run else "restored ") + line))
    for line in result.skipped:
        console.print(Text(f"skipped {line}"))
    for c in result.conflicts:
        err.print(
            Text(
                f"conflict: {c.entity_type} {c.entity_id} {c.field} is {c.live}, the run left it {c.recorded}"
            )
        )
    console.print(
        Text(
            f"{result.outcome}: {result.restored} restored, {len(result.skipped)} skipped, "
            f"{len(result.conflicts)} conflict(s)"
        )
    )
    if result.outcome == "conflict":
        raise typer.Exit(EXIT_REFUSED)
