"""The approval rules, computed in one place for every workflow that waits for people (a
launch, an optimization cycle's large moves): how many stages a policy needs, which state
a list of decisions leads to, and why an approval or rejection cannot be accepted now.
Pure functions: the workflows' loops, update validators and signal handlers all ask them."""

from __future__ import annotations

from typing import Protocol

from models.launch import ApprovalPolicy, ApprovalRequest, ApprovalState, Decision, Verdict


class Awaiting(Protocol):
    """What the rules read of a workflow's status (``LaunchStatus``, ``CycleStatus``)."""

    @property
    def approval_state(self) -> ApprovalState: ...
    @property
    def approvers(self) -> list[str]: ...
    @property
    def decisions(self) -> list[Decision]: ...


def stages_needed(policy: ApprovalPolicy) -> int:
    return {"none": 0, "single": 1, "two_stage": 2}[policy]


def approval_state(policy: ApprovalPolicy, decisions: list[Decision]) -> ApprovalState:
    """The approval state ``decisions`` lead to: the one place its transitions are computed."""
    if any(d.decision == "reject" for d in decisions):
        return "rejected"
    approved = sum(1 for d in decisions if d.decision == "approve")
    if approved >= stages_needed(policy):
        return "approved"
    return "pending_stage_2" if approved == 1 else "pending_stage_1"


def refusal(
    status: Awaiting, requester: str, req: ApprovalRequest, decision: Verdict, what: str = "launch"
) -> str | None:
    """Why ``req`` cannot be accepted in ``status``, or None when it can."""
    state = status.approval_state
    if state not in ("pending_stage_1", "pending_stage_2"):
        return f"the {what} is not waiting for approval (state: {state})"
    current = 1 if state == "pending_stage_1" else 2
    if req.stage is not None and req.stage < current:
        return f"stage {req.stage} is already decided; the {what} waits for stage {current}"
    if req.stage is not None and req.stage > current:
        return f"stage {req.stage} is not open yet; the {what} waits for stage {current}"
    if req.approver == requester:
        return f"{req.approver} requested this {what} and cannot approve or reject it"
    if req.approver not in status.approvers:
        return f"{req.approver} is not an Approver or Admin of this advertiser's tenant"
    if decision == "approve" and any(d.approver == req.approver for d in status.decisions):
        return f"{req.approver} already approved stage 1; stage 2 needs a different approver"
    if decision == "reject" and not (req.reason and req.reason.strip()):
        return "a rejection needs a reason"
    return None
