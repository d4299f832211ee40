"""``OptimizationCycle``: one advertiser's budgets, bids and creatives, every 2 hours.

1. Pull: refresh the mirror and store the report rows the decision needs (``pull_reports``;
   rows stay in the store, history gets counts). The window ends at the schedule's time,
   so a late or re-run cycle looks at the hours it was meant for. Then the review
   reconciler hands any rejected ad still enabled (a lost webhook) to ``RejectionRecovery``,
   and the anomaly detectors alert on spikes, stalls and collapses (``detect_anomalies``);
   a critical spend spike may add a pause of its ad group (``on_critical_anomaly``).
2. Decide: ``decide_changes`` runs the optimizer (Thompson sampling, pacing, Cost Cap bids,
   creative pauses), every move clipped by the guardrails and carrying its reason.
3. Apply the moves that need nobody, batched as TikTok allows, exactly once (keys derived
   from the run id). A dry run stops before this step, having explained everything.
4. Gate: larger moves wait for ``approve`` / ``reject`` (the launch's rules and updates)
   until the deadline; approved ones are applied, the rest dropped and listed.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import (
        AnomalyOperations,
        CycleOperations,
        EntityOperations,
        LaunchPreparation,
        RecoveryOperations,
        RollbackOperations,
    )
    from models.alerts import DetectInput
    from models.approval import approval_state, refusal
    from models.changes import ChangeSet, EntityChange
    from models.errors import ApprovalRefused
    from models.identity import Signing, signature_refusal
    from models.launch import ApprovalRequest, ApprovalState, Decision, Notice, Verdict
    from models.moves import batches
    from models.optimization import (
        CycleApproval,
        CycleResult,
        CycleStatus,
        DecideInput,
        Move,
        OptimizationCycleInput,
        ReportPullInput,
    )
    from models.rollback import RollbackInput
    from models.telemetry import CYCLE_DURATION
    from models.workflows import OPTIMIZATION_CYCLE
    from workflows.common import ADVERTISER_ID, APPROVAL_STATE, tiktok_activity, validated_input

STEP_TIMEOUT = timedelta(minutes=10)
HEARTBEAT_TIMEOUT = timedelta(seconds=60)
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
A = TypeVar("A")
R = TypeVar("R")
# The entity operations a batch of moves goes through (models.moves builds the requests).
OPERATIONS: dict[str, Callable[[Any, Any], Awaitable[ChangeSet]]] = {
    "set_status": EntityOperations.set_status,
    "update_budgets": EntityOperations.update_budgets,
    "update_bids": EntityOperations.update_bids,
}


@workflow.defn(name=OPTIMIZATION_CYCLE)
class OptimizationCycle:
    def __init__(self) -> None:
        self._inp: OptimizationCycleInput | None = None
        self._status = CycleStatus(step="starting")
        self._changes: list[EntityChange] = []
        self._signing = Signing()

    @workflow.run
    async def run(self, raw: OptimizationCycleInput | dict[str, Any]) -> CycleResult:
        started = workflow.now()
        result = await self._cycle(raw)
        seconds = (workflow.now() - started).total_seconds()  # not recorded again on replay
        histogram = workflow.metric_meter().create_histogram_float(
            CYCLE_DURATION, "An optimization cycle from start to end (approval waits included)", "s"
        )
        histogram.record(seconds, {"outcome": result.outcome})
        return result

    async def _cycle(self, raw: OptimizationCycleInput | dict[str, Any]) -> CycleResult:
        inp = self._inp = validated_input(OptimizationCycleInput, raw)
        adv = self._status.advertiser_id = inp.advertiser_id
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(adv)])
        self._set_state("not_required")
        self._step("pulling reports")
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
        pull = await self._run(
            CycleOperations.pull_reports,
            ReportPullInput(advertiser_id=adv, as_of=inp.as_of, scheduled_at=scheduled),
            "Pull reports into the store (mirror, 7 days of ads, month's spend, window hours)",
        )
        window = self._status.window = f"{pull.window_start:%Y-%m-%d %H:%M} to {pull.as_of:%H:%M}"
        if workflow.patched("reconcile-reviews") and not inp.settings.dry_run:
            await self._reconcile(adv)
        pauses: dict[str, str] = {}
        if workflow.patched("detect-anomalies"):
            pauses = await self._detect(inp, pull.as_of)
            if self._status.rollback and not inp.settings.dry_run:
                return await self._roll_back_previous(adv, window)
        self._step("deciding")
        seed = inp.settings.seed
        if seed is None:
            seed = zlib.crc32(f"{workflow.info().workflow_id}/{workflow.info().run_id}".encode())
        plan = await self._run(
            CycleOperations.decide_changes,
            DecideInput(
                pull=pull,
                settings=inp.settings,
                seed=seed,
                actor=inp.actor,
                cycle=workflow.info().workflow_id,
            ),
            f"Decide for {pull.adgroups} ad groups and {pull.ads} ads",
        )
        plan.moves += self._anomaly_pauses(pauses, plan.moves, inp.settings.on_critical_anomaly)
        self._status.notes, self._status.held = self._status.notes + plan.notes, plan.held
        self._status.approvers = plan.approvers
        self._signing = plan.signing
        result = CycleResult(
            outcome="applied", advertiser_id=adv, window=window, notes=plan.notes, held=plan.held
        )
        if not plan.moves:
            self._step("done: nothing to change")
            return result.model_copy(update={"outcome": "nothing_to_do"})
        if inp.settings.dry_run:
            self._status.gated = [m for m in plan.moves if m.needs_approval]
            self._step(f"dry run: {len(plan.moves)} move(s) proposed, none applied")
            return result.model_copy(
                update={"outcome": "dry_run", "proposed": [m.line() for m in plan.moves]}
            )
        await self._apply([m for m in plan.moves if not m.needs_approval], "apply")
        gated = [m for m in plan.moves if m.needs_approval]
        if gated and await self._approved(gated, inp.settings.approval_hours):
            await self._apply(gated, "approved")
        self._step(f"done: {len(self._status.applied)} change(s) applied")
        return result.model_copy(
            update={
                "applied": [m.line() for m in self._status.applied],
                "dropped": self._status.dropped,
                "changed": len(self._changes),
            }
        )

    async def _reconcile(self, adv: str) -> None:
        """Webhooks get lost: hand every rejected ad still enabled to its recovery (idempotent).
        A failure here is noted, never a failed cycle."""
        self._step("reconciling ad reviews")
        try:
            found = await self._run(
                RecoveryOperations.reconcile_reviews,
                adv,
                "Hand rejected ads no webhook announced to recovery",
            )
        except ActivityError as err:
            self._status.notes.append(f"review reconciliation failed: {err.cause or err}")
            return
        self._status.recoveries = found.handed_off

    async def _detect(self, inp: OptimizationCycleInput, as_of: datetime) -> dict[str, str]:
        """Anomalies in the pulled numbers, alerted (not on a dry run); the ad groups a critical
        spend spike asks to pause. A failure here is noted, never a failed cycle."""
        self._step("looking for anomalies")
        req = DetectInput(
            advertiser_id=inp.advertiser_id,
            as_of=as_of,
            cycle=workflow.info().workflow_id,
            learning_conversions=inp.settings.learning_conversions,
            alert=not inp.settings.dry_run,
            on_critical=inp.settings.on_critical_anomaly,
        )
        try:
            found = await self._run(AnomalyOperations.detect_anomalies, req, "Detect anomalies and alert")
        except ActivityError as err:
            self._status.notes.append(f"anomaly detection failed: {err.cause or err}")
            return {}
        self._status.anomalies = found.lines
        if found.rollback_cycle:
            self._status.rollback = found.rollback_cycle
            self._status.notes.append(f"rolling back {found.rollback_cycle}: {found.rollback_reason}")
        return found.pause_adgroups

    async def _roll_back_previous(self, adv: str, window: str) -> CycleResult:
        """A critical anomaly followed an earlier cycle's changes: undo them (``Rollback``, a
        workflow of its own, audited like any rollback) and change nothing more now."""
        target = self._status.rollback
        assert target is not None
        self._step(f"rolling back {target} after a critical anomaly")
        why = "; ".join(self._status.anomalies)[:1000]
        rollback = RollbackInput(workflow_id=target, actor=workflow.info().workflow_id, reason=why)
        started = await self._run(
            RollbackOperations.start_rollback, rollback, f"Start the rollback of {target}"
        )
        self._step(f"done: {started} rolls {target} back; nothing else changed")
        return CycleResult(
            outcome="rolled_back_previous", advertiser_id=adv, window=window, notes=self._status.notes
        )

    def _anomaly_pauses(self, pauses: dict[str, str], moves: list[Move], policy: str) -> list[Move]:
        """Pause moves for critical spend spikes, through the same apply path (and gate) as the rest."""
        planned = {m.entity_id for m in moves if m.kind == "pause"}
        out = []
        for adgroup_id, why in pauses.items():
            if adgroup_id in planned:
                continue
            move = Move.status("pause", "adgroup", adgroup_id, "", "anomaly", f"critical spend spike: {why}")
            if policy == "approve_pause":
                move.needs_approval, move.approval_reason = True, "pausing for an anomaly waits for a person"
            out.append(move)
        return out

    # -- apply ----------------------------------------------------------------------------

    async def _apply(self, moves: list[Move], tag: str) -> None:
        """Every move, batched per kind: one call for many ad group budgets, 20 ids per status."""
        if not moves:
            return
        assert self._inp is not None
        self._step(f"applying {len(moves)} move(s)")
        key = f"{workflow.info().workflow_id}/{tag}"
        for batch in batches(moves, advertiser_id=self._inp.advertiser_id, key=key, actor=self._inp.actor):
            await self._batch(batch.moves, OPERATIONS[batch.operation], batch.request, batch.summary)

    async def _batch(
        self, moves: list[Move], activity: Callable[[Any, A], Awaitable[ChangeSet]], req: A, summary: str
    ) -> None:
        """Apply one batch; a batch TikTok refuses for good is listed, the others go on."""
        try:
            done = await self._run(activity, req, summary)
        except ActivityError as err:
            cause = err.cause.message if isinstance(err.cause, ApplicationError) else str(err)
            self._status.dropped += [f"{m.line()} -- failed: {cause}" for m in moves]
            return
        self._changes += done.changes
        self._status.applied += moves
        self._details()

    # -- approval -------------------------------------------------------------------------

    async def _approved(self, gated: list[Move], hours: float) -> bool:
        """Wait for one approval of the gated moves; False (and each listed) otherwise."""
        self._status.gated = gated
        if not self._status.approvers:
            self._drop(gated, "nobody may approve (no Approver or Admin for this advertiser)")
            return False
        deadline = self._status.deadline = workflow.now() + timedelta(hours=hours)
        self._set_state("pending_stage_1")
        self._step(f"waiting for approval of {len(gated)} move(s)")
        assert self._inp is not None
        wid = workflow.info().workflow_id
        notice = Notice(
            kind="cycle_approval",
            advertiser_id=self._inp.advertiser_id,
            recipients=self._status.eligible_now,
            dedupe_key=f"{wid}/approval",
            workflow_id=wid,
            requester=self._inp.actor,
            approval_policy="single",
            stage=1,
            deadline=deadline,
            reason="\n".join(
                f"- {m.line()} ({m.approval_reason}; {m.expected or 'no forecast'})" for m in gated
            ),
        )
        await self._run(LaunchPreparation.notify, notice, f"Ask {', '.join(notice.recipients)} to approve")
        try:
            await workflow.wait_condition(
                lambda: approval_state("single", self._status.decisions) != "pending_stage_1",
                timeout=deadline - workflow.now(),
                timeout_summary="approval deadline of the gated moves",
            )
        except TimeoutError:
            self._set_state("timed_out")
            self._drop(gated, "nobody approved before the deadline")
            return False
        state = approval_state("single", self._status.decisions)
        self._set_state(state)
        self._status.gated = []
        if state == "rejected":
            reason = next(d.reason for d in self._status.decisions if d.decision == "reject")
            self._drop(gated, f"rejected: {reason}")
            return False
        return True

    def _drop(self, moves: list[Move], why: str) -> None:
        self._status.gated = []
        self._status.dropped += [f"{m.line()} -- {why}" for m in moves]
        self._details()

    def _decide(self, req: ApprovalRequest, decision: Verdict) -> CycleApproval:
        self._status.decisions.append(
            Decision(
                approver=req.approver,
                decision=decision,
                stage=1,
                reason=req.reason,
                at=workflow.now(),
                via=req.via,
                key_id=req.key_id,
                nonce=req.nonce,
            )
        )
        self._set_state(approval_state("single", self._status.decisions))  # the approver sees the result
        return self._status.brief()

    def _refusal(self, req: ApprovalRequest, decision: Verdict) -> str | None:
        assert self._inp is not None
        wid, nonces = workflow.info().workflow_id, {d.nonce for d in self._status.decisions if d.nonce}
        return refusal(self._status, self._inp.actor, req, decision, what="cycle") or signature_refusal(
            self._signing, wid, decision, req, workflow.now(), nonces
        )

    def _check(self, req: ApprovalRequest, decision: Verdict) -> None:
        reason = self._refusal(req, decision)
        if reason:
            raise ApprovalRefused(reason)

    @workflow.update(name="approve")
    def approve(self, req: ApprovalRequest) -> CycleApproval:
        """Approve the moves waiting; refused synchronously with the reason (validator)."""
        return self._decide(req, "approve")

    @approve.validator
    def _check_approve(self, req: ApprovalRequest) -> None:
        self._check(req, "approve")

    @workflow.update(name="reject")
    def reject(self, req: ApprovalRequest) -> CycleApproval:
        """Reject the moves waiting (with a reason): they are dropped, the rest stays applied."""
        return self._decide(req, "reject")

    @reject.validator
    def _check_reject(self, req: ApprovalRequest) -> None:
        self._check(req, "reject")

    @workflow.signal(name="approve")
    def approve_signal(self, req: ApprovalRequest) -> None:
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

    # -- plumbing -------------------------------------------------------------------------

    async def _run(self, activity: Callable[[Any, A], Awaitable[R]], arg: A, summary: str) -> R:
        return await tiktok_activity(
            activity, arg, summary=summary, start_to_close=STEP_TIMEOUT, heartbeat=HEARTBEAT_TIMEOUT
        )

    def _step(self, step: str) -> None:
        self._status.step = step
        self._details()

    def _set_state(self, state: ApprovalState) -> None:
        self._status.approval_state = state
        pending = state.startswith("pending")
        requester = self._inp.actor if self._inp else ""
        self._status.eligible_now = [a for a in self._status.approvers if a != requester] if pending else []
        who = " or ".join(self._status.eligible_now) or "nobody"
        self._status.waiting_for = f"an approval of the gated moves from {who}" if pending else None
        workflow.upsert_search_attributes([APPROVAL_STATE.value_set(state)])
        self._details()

    def _details(self) -> None:
        workflow.set_current_details(self._status.details())

    @workflow.query(name="status")
    def status(self) -> CycleStatus:
        """Step, window, moves applied and why, what waits for approval, what was dropped."""
        return self._status
