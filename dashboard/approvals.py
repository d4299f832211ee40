"""Approvals from the dashboard: what waits for an advertiser's approvers, and a decision
made there, signed as the Slack path signs it (section 15).

The session says who the user is; the store says whether they are an Approver or Admin in
the advertiser's tenant; the decision is then signed with the dashboard's service key
(``TTADS_DASHBOARD_APPROVAL_KEY`` and ``_KEY_ID``, registered with
``starter.py users key create NAME --service dashboard``) and sent as the workflow's
``approve``/``reject`` update, whose validator checks the approver and the signature.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client
from temporalio.service import RPCError

from cli.approvals import PENDING_QUERY, WaitingStatus
from models.launch import ApprovalRequest, Verdict
from settings import Settings
from temporal_client import decide_for


@dataclass(frozen=True)
class Waiting:
    workflow_id: str
    workflow_type: str
    state: str
    waiting_for: str
    eligible_now: list[str]


async def waiting(client: Client, advertiser_id: str) -> list[Waiting]:
    """Launches and cycles of the advertiser that wait for an approval now."""
    out = []
    query = f"{PENDING_QUERY} AND AdvertiserId = '{advertiser_id}'"
    async for wf in client.list_workflows(query):
        try:
            status = await client.get_workflow_handle(wf.id).query("status", result_type=WaitingStatus)
        except RPCError:
            continue
        out.append(Waiting(wf.id, wf.workflow_type, status.approval_state, status.waiting_for or "",
                           status.eligible_now))  # fmt: skip
    return out


async def decide(
    client: Client, settings: Settings, workflow_id: str, decision: Verdict, user: str, reason: str
) -> str:
    """Send the decision as ``user`` (signed when the dashboard has a key); what happened."""
    req = ApprovalRequest(approver=user, reason=reason or f"{decision} in the dashboard", via="dashboard")
    key, key_id = settings.dashboard_approval_key, settings.dashboard_approval_key_id
    refused = await decide_for(client, workflow_id, decision, req, key, key_id)
    return refused or f"{decision} recorded for {workflow_id} as {user}"
