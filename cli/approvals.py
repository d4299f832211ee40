"""``starter.py approve | reject | pending``: decide launches and find what waits for you.

Decisions go through the Temporal update of the same name, so a refusal (not an approver,
the requester, the same person twice, stage decided, not waiting) comes back at once with
its reason and a non-zero exit code.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from cli.common import EXIT_REFUSED, console, err, run_client
from models.launch import ApprovalRequest, LaunchStatus
from settings import get_settings
from temporal_client import connect, ui_link
from workflows.campaign_launch import CampaignLaunch

PENDING_QUERY = (
    'WorkflowType = "CampaignLaunch" AND ExecutionStatus = "Running" '
    'AND ApprovalState IN ("pending_stage_1", "pending_stage_2")'
)


def _decide(name: str, workflow_id: str, approver: str, reason: str | None, stage: int | None) -> None:
    settings = get_settings()

    async def go() -> LaunchStatus:
        client = await connect(settings)
        handle = client.get_workflow_handle(workflow_id)
        update = CampaignLaunch.approve if name == "approve" else CampaignLaunch.reject
        return await handle.execute_update(
            update, ApprovalRequest(approver=approver, reason=reason, stage=stage)
        )

    try:
        status = run_client(go)
    except WorkflowUpdateFailedError as exc:
        err.print(f"[red]{name} refused:[/] {exc.cause.message if exc.cause else exc}")  # type: ignore[attr-defined]
        raise typer.Exit(EXIT_REFUSED) from None
    console.print(f"{name} recorded for {workflow_id}: state {status.approval_state}")
    if status.waiting_for:
        console.print(f"now waiting for {status.waiting_for}")


def approve(
    workflow_id: Annotated[str, typer.Argument(help="the launch's workflow id")],
    as_user: Annotated[str, typer.Option("--as", help="who approves")],
    reason: Annotated[str | None, typer.Option(help="optional comment")] = None,
    stage: Annotated[int | None, typer.Option(help="refuse unless this stage is the one waiting")] = None,
) -> None:
    """Approve the waiting stage of a CampaignLaunch (Temporal update `approve`)."""
    _decide("approve", workflow_id, as_user, reason, stage)


def reject(
    workflow_id: Annotated[str, typer.Argument(help="the launch's workflow id")],
    as_user: Annotated[str, typer.Option("--as", help="who rejects")],
    reason: Annotated[str, typer.Option(help="why (required)")],
) -> None:
    """Reject a CampaignLaunch with a reason (Temporal update `reject`); it creates nothing."""
    _decide("reject", workflow_id, as_user, reason, None)


def pending(
    approver: Annotated[str | None, typer.Option(help="only launches this user may decide now")] = None,
) -> None:
    """List launches waiting for approval (a visibility query on ApprovalState)."""
    settings = get_settings()

    async def go() -> list[dict[str, Any]]:
        client = await connect(settings)
        rows = []
        async for wf in client.list_workflows(PENDING_QUERY):
            try:
                status = await client.get_workflow_handle(wf.id).query("status", result_type=LaunchStatus)
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
        console.print(f"{row['workflow_id']}  {row['state']}  deadline {row['deadline']}")
        console.print(f"  {row['waiting_for']}\n  {row['ui']}")
