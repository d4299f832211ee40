"""The approval handlers of ``CampaignLaunch``: the ``approve`` and ``reject`` updates (refused
synchronously, with the reason, by their validators) and signals of the same names for clients
that can only signal (a refusal is listed in ``status``). Same rules either way: who may
decide, in which stage, signed where required."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.approval import approval_state, refusal
    from models.errors import ApprovalRefused
    from models.identity import Signing, signature_refusal
    from models.launch import (
        ApprovalRequest,
        ApprovalState,
        CampaignLaunchInput,
        Decision,
        LaunchStatus,
        Verdict,
    )


class LaunchApprovals:
    _inp: CampaignLaunchInput | None
    _status: LaunchStatus
    _signing: Signing

    def _set_state(self, state: ApprovalState) -> None:
        raise NotImplementedError

    def _eligible(self) -> list[str]:
        assert self._inp is not None
        done = {d.approver for d in self._status.decisions}
        return [a for a in self._status.approvers if a != self._inp.requester and a not in done]

    def _refusal(self, req: ApprovalRequest, decision: Verdict) -> str | None:
        """Why ``req`` cannot be accepted now, or None. Read-only: validators call it."""
        assert self._inp is not None
        return refusal(self._status, self._inp.requester, req, decision) or signature_refusal(
            self._signing, workflow.info().workflow_id, decision, req, workflow.now(), self._nonces()
        )

    def _nonces(self) -> set[str]:
        return {d.nonce for d in self._status.decisions if d.nonce}

    def _decide(self, req: ApprovalRequest, decision: Verdict) -> LaunchStatus:
        assert self._inp is not None
        stage = sum(1 for d in self._status.decisions if d.decision == "approve") + 1
        self._status.decisions.append(
            Decision(
                approver=req.approver,
                decision=decision,
                stage=stage,
                reason=req.reason,
                at=workflow.now(),
                via=req.via,
                key_id=req.key_id,
                nonce=req.nonce,
            )
        )
        # Answer the approver with the state their decision led to. Older runs moved the state
        # only in the main loop; the patch keeps their histories replayable.
        if workflow.patched("approval-state-in-handler"):
            self._set_state(approval_state(self._inp.approval_policy, self._status.decisions))
        return self._status

    def _check(self, req: ApprovalRequest, decision: Verdict) -> None:
        reason = self._refusal(req, decision)
        if reason:
            raise ApprovalRefused(reason)

    @workflow.update(name="approve")
    def approve(self, req: ApprovalRequest) -> LaunchStatus:
        """Approve the current stage; refused synchronously with the reason (see validator)."""
        return self._decide(req, "approve")

    @approve.validator
    def _check_approve(self, req: ApprovalRequest) -> None:
        self._check(req, "approve")

    @workflow.update(name="reject")
    def reject(self, req: ApprovalRequest) -> LaunchStatus:
        """Reject with a reason; the launch ends with it and creates nothing."""
        return self._decide(req, "reject")

    @reject.validator
    def _check_reject(self, req: ApprovalRequest) -> None:
        self._check(req, "reject")

    @workflow.signal(name="approve")
    def approve_signal(self, req: ApprovalRequest) -> None:
        """For clients that can only signal: same rules; a refusal is listed in ``status``."""
        self._signal(req, "approve")

    @workflow.signal(name="reject")
    def reject_signal(self, req: ApprovalRequest) -> None:
        self._signal(req, "reject")

    def _signal(self, req: ApprovalRequest, decision: Verdict) -> None:
        reason = self._refusal(req, decision)
        if reason:
            self._status.refused.append(f"{decision} by {req.approver} refused: {reason}")
        else:
            self._decide(req, decision)
