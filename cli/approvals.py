"""``starter.py approve | reject | pending``: decide launches and an optimization cycle's
large moves, and find what waits for you.

Decisions go through the Temporal update of the same name, so a refusal (not an approver,
the requester, the same person twice, stage decided or not open yet, not waiting) comes
back at once with its reason and exit code 3; so does a decision on a launch that has
already ended, with how it ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from pydantic import BaseModel, Field
from rich.text import Text
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from cli.common import EXIT_REFUSED, console, err, run_client
from cli.keys import signed_request
from cli.runs import summary
from models.errors import ApprovalRefused
from models.launch import ApprovalRequest, Verdict
from settings import get_settings
from temporal_client import connect, ui_link


class WaitingStatus(BaseModel):
    """What the CLI reads of any waiting workflow's status (a launch's or a cycle's)."""

    approval_state: str
    waiting_for: str | None = None
    eligible_now: list[str] = Field(default_factory=list)
    deadline: datetime | None = None


PENDING_QUERY = (
    'WorkflowType IN ("CampaignLaunch", "OptimizationCycle") AND ExecutionStatus = "Running" '
    'AND ApprovalState IN ("pending_stage_1", "pending_stage_2")'
)


def _decide(name: Verdict, workflow_id: str, approver: str, reason: str | None, stage: int | None) -> None:
    settings = get_settings()

    async def go() -> WaitingStatus | str:
        client = await connect(settings)
        handle = client.get_workflow_handle(workflow_id)
        req = signed_request(
            workflow_id, name, ApprovalRequest(approver=approver, reason=reason, stage=stage)
        )
        try:
            answer: WaitingStatus = await handle.execute_update(name, req, result_type=WaitingStatus)
            return answer
        except WorkflowUpdateFailedError as exc:
            refusal = ApprovalRefused.find(exc)
            return f"{name} refused: {refusal.message if refusal else exc.cause}"
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND or "completed" not in exc.message:
                raise
            return f"{name} refused: the run has ended. {await summary(client, workflow_id)}"

    status = run_client(go)
    if isinstance(status, str):
        err.print(Text(status))
        raise typer.Exit(EXIT_REFUSED)
    console.print(f"{name} recorded for {workflow_id}: state {status.approval_state}")
    if status.waiting_for:
        console.print(Text(f"now waiting for {status.waiting_for}"))


def approve(
    workflow_id: Annotated[str, typer.Argument(help="the launch's or cycle's workflow id")],
    as_user: Annotated[str, typer.Option("--as", help="who approves")],
    reason: Annotated[str | None, typer.Option(help="optional comment")] = None,
    stage: Annotated[int | None, typer.Option(help="refuse unless this stage is the one waiting")] = None,
) -> None:
    """Approve the waiting stage of a CampaignLaunch, or an OptimizationCycle's gated moves
    (Temporal update `approve`)."""
    _decide("approve", workflow_id, as_user, reason, stage)


def reject(
    workflow_id: Annotated[str, typer.Argument(help="the launch's or cycle's workflow id")],
    as_user: Annotated[str, typer.Option("--as", help="who rejects")],
    reason: Annotated[str, typer.Option(help="why (required)")],
) -> None:
    """Reject with a reason (Temporal update `reject`): a launch creates nothing, a cycle drops
    its gated moves."""
    _decide("reject", workflow_id, as_user, reason, None)


def pending(
    approver: Annotated[str | None, typer.Option(help="only launches this user may decide now")] = None,
) -> None:
    """List launches and cycles waiting for approval (a visibility query on ApprovalState)."""
    settings = get_settings()

    async def go() -> list[dict[str, Any]]:
        client = await connect(settings)
        rows = []
        async for wf in client.list_workflows(PENDING_QUERY):
            try:
                status = await client.get_workflow_handle(wf.id).query("status", result_type=WaitingStatus)
            except RPCError:
                continue
            if approver and approver not in status.eligible_now:
                continue
            rows.append(
                {
                    "workflow_id": wf.id,
                    "state": status.approval_state,
                    "waiting_for": status.waiting_for or "",
                    "deadline": str(status.deadline),
                    "ui": ui_link(settings, wf.id),
                }
            )
        return rows

    rows = run_client(go)
    if not rows:
        console.print("nothing waits for approval" + (f" by {approver}" if approver else ""))
    for row in rows:
        console.print(Text(f"{row['workflow_id']}  {row['state']}  deadline {row['deadline']}"))
        console.print(Text(f"  {row['waiting_for']}\n  {row['ui']}"))
