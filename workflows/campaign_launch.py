"""``CampaignLaunch``: validate, wait for approval, create everything once, enable it.

1. Validate: guardrails, creative and text pre-flight, roles (activity ``prepare_launch``).
   Any violation fails the launch with every field and rule; nothing is created.
2. Approval (``single`` / ``two_stage``): waits for the ``approve`` / ``reject`` update (or
   signal), with reminders, until the deadline; two stages need two different approvers,
   neither of them the requester.
3. Create the campaign, ad groups and ads in that order, each exactly once (keys derived
   from the workflow id and the step), all disabled; then enable ads, ad groups, campaign.
4. If a step fails for good, pause (or delete) what was created, record it, and fail
   naming the step and TikTok's message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import names
    from models.errors import GuardrailViolation, InvalidInput, LaunchFailed
    from models.launch import (
        AdSpec,
        ApprovalRequest,
        ApprovalState,
        CampaignLaunchInput,
        CreateStep,
        Decision,
        EntityChange,
        LaunchPlan,
        LaunchResult,
        LaunchStatus,
        Notice,
        StatusChange,
        Uploaded,
        UploadStep,
    )
    from models.workflows import CAMPAIGN_LAUNCH
    from workflows.common import (
        ADVERTISER_ID,
        APPROVAL_STATE,
        CAMPAIGN_NAME,
        tiktok_activity,
        validated_input,
    )

STEP_TIMEOUT = timedelta(minutes=5)
# Activities heartbeat before every TikTok call: a dead worker's attempt is retried
# elsewhere after this long instead of after STEP_TIMEOUT. Longer than one HTTP timeout.
HEARTBEAT_TIMEOUT = timedelta(seconds=45)


@workflow.defn(name=CAMPAIGN_LAUNCH)
class CampaignLaunch:
    def __init__(self) -> None:
        self._inp: CampaignLaunchInput | None = None
        self._status = LaunchStatus(step="starting")
        self._changes: list[EntityChange] = []

    @workflow.run
    async def run(self, raw: CampaignLaunchInput | dict[str, Any]) -> LaunchResult:
        inp = self._inp = await self._input(raw)
        workflow.upsert_search_attributes(
            [ADVERTISER_ID.value_set(inp.advertiser_id), CAMPAIGN_NAME.value_set(inp.campaign.campaign_name)]
        )
        self._set_state("not_required")
        self._status.step = "validating"
        plan: LaunchPlan = await self._run(names.PREPARE_LAUNCH, inp, LaunchPlan, "Guardrails and pre-flight")
        if plan.violations:
            lines = [f"{v.field}: {v.message} [{v.rule}]" for v in plan.violations]
            raise GuardrailViolation(
                f"launch refused, {len(lines)} violation(s): " + "; ".join(lines),
                [v.model_dump() for v in plan.violations],
            )
        self._status.approvers = plan.approvers
        self._status.recommendation = plan.recommendation
        if inp.approval_policy != "none":
            ended = await self._approval(inp)
            if ended is not None:
                return ended
        try:
            await self._create(inp)
            await self._enable(inp)
        except ActivityError as err:
            await self._compensate(inp)
            cause = err.cause.message if isinstance(err.cause, ApplicationError) else str(err.cause or err)
            raise LaunchFailed(
                f"launch failed while {self._status.step}: {cause}; "
                f"{'paused' if inp.on_failure == 'pause' else 'deleted'} what was created"
            ) from err
        self._status.step = "done"
        return LaunchResult(
            outcome="launched",
            created=self._status.created,
            decisions=self._status.decisions,
            changes=self._changes,
        )

    async def _input(self, raw: CampaignLaunchInput | dict[str, Any]) -> CampaignLaunchInput:
        """The input as given, or a saved template merged with it (activity ``resolve_template``)."""
        template = raw.template if isinstance(raw, CampaignLaunchInput) else raw.get("template")
        if not template:
            return validated_input(CampaignLaunchInput, raw)
        self._status.step = f"applying template {template}"
        given = (
            raw.model_dump(mode="json", exclude_unset=True) if isinstance(raw, CampaignLaunchInput) else raw
        )
        try:
            resolved: CampaignLaunchInput = await self._run(
                names.RESOLVE_TEMPLATE, given, CampaignLaunchInput, f"Apply template {template}"
            )
        except ActivityError as err:
            invalid = InvalidInput.find(err)
            if invalid is not None:
                raise InvalidInput(invalid.message, *invalid.details) from err
            raise
        return resolved

    # -- approval ---------------------------------------------------------------------

    async def _approval(self, inp: CampaignLaunchInput) -> LaunchResult | None:
        stages = 2 if inp.approval_policy == "two_stage" else 1
        deadline = workflow.now() + timedelta(hours=inp.approval_deadline_hours)
        self._status.deadline = deadline
        self._status.step = "waiting for approval"
        self._set_state("pending_stage_1")
        wid = workflow.info().workflow_id
        await self._notify("approval_requested", self._eligible(), "Approval requested", f"{wid}/request")
        reminders = 0
        while True:
            rejection = next((d for d in self._status.decisions if d.decision == "reject"), None)
            if rejection is not None:
                self._set_state("rejected")
                self._status.step = "rejected"
                return LaunchResult(
                    outcome="rejected", reason=rejection.reason, decisions=self._status.decisions
                )
            if self._approved_stages() >= stages:
                self._set_state("approved")
                self._status.waiting_for = None
                return None
            self._set_state(f"pending_stage_{self._approved_stages() + 1}")  # type: ignore[arg-type]
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                self._set_state("timed_out")
                self._status.step = "cancelled: approval_timeout"
                await self._notify("approval_timeout", [inp.requester], "Launch cancelled", f"{wid}/timeout")
                return LaunchResult(
                    outcome="approval_timeout", reason="approval_timeout", decisions=self._status.decisions
                )
            seen = len(self._status.decisions)
            try:
                await workflow.wait_condition(
                    lambda seen=seen: len(self._status.decisions) != seen,  # type: ignore[misc]
                    timeout=min(remaining, timedelta(hours=inp.reminder_every_hours)),
                    timeout_summary="approval reminder or deadline",
                )
            except TimeoutError:
                if workflow.now() < deadline:
                    reminders += 1
                    await self._notify(
                        "approval_reminder",
                        self._eligible(),
                        "Reminder: approval pending",
                        f"{wid}/reminder/{reminders}",
                    )

    def _approved_stages(self) -> int:
        return sum(1 for d in self._status.decisions if d.decision == "approve")

    def _eligible(self) -> list[str]:
        assert self._inp is not None
        done = {d.approver for d in self._status.decisions}
        return [a for a in self._status.approvers if a != self._inp.requester and a not in done]

    def _refusal(self, req: ApprovalRequest, decision: str) -> str | None:
        """Why ``req`` cannot be accepted now, or None. Read-only: validators call it."""
        assert self._inp is not None
        state = self._status.approval_state
        if state not in ("pending_stage_1", "pending_stage_2"):
            return f"the launch is not waiting for approval (state: {state})"
        current = 1 if state == "pending_stage_1" else 2
        if req.stage is not None and req.stage != current:
            return f"stage {req.stage} is already decided; the launch waits for stage {current}"
        if req.approver == self._inp.requester:
            return f"{req.approver} requested this launch and cannot approve or reject it"
        if req.approver not in self._status.approvers:
            return f"{req.approver} is not an Approver or Admin of this advertiser's tenant"
        if decision == "approve" and any(d.approver == req.approver for d in self._status.decisions):
            return f"{req.approver} already approved stage 1; stage 2 needs a different approver"
        if decision == "reject" and not (req.reason and req.reason.strip()):
            return "a rejection needs a reason"
        return None

    def _decide(self, req: ApprovalRequest, decision: str) -> LaunchStatus:
        stage = self._approved_stages() + 1
        self._status.decisions.append(
            Decision(
                approver=req.approver, decision=decision, stage=stage, reason=req.reason, at=workflow.now()
            )  # type: ignore[arg-type]
        )
        # Answer the approver with the state their decision led to. Older runs moved the state
        # only in the main loop; the patch keeps their histories replayable.
        if workflow.patched("approval-state-in-handler"):
            assert self._inp is not None
            stages = 2 if self._inp.approval_policy == "two_stage" else 1
            if decision == "reject":
                self._set_state("rejected")
            elif self._approved_stages() >= stages:
                self._set_state("approved")
            else:
                self._set_state(f"pending_stage_{self._approved_stages() + 1}")  # type: ignore[arg-type]
        return self._status

    @workflow.update(name="approve")
    def approve(self, req: ApprovalRequest) -> LaunchStatus:
        """Approve the current stage; refused synchronously with the reason (see validator)."""
        return self._decide(req, "approve")

    @approve.validator
    def _check_approve(self, req: ApprovalRequest) -> None:
        reason = self._refusal(req, "approve")
        if reason:
            raise ValueError(reason)

    @workflow.update(name="reject")
    def reject(self, req: ApprovalRequest) -> LaunchStatus:
        """Reject with a reason; the launch ends with it and creates nothing."""
        return self._decide(req, "reject")

    @reject.validator
    def _check_reject(self, req: ApprovalRequest) -> None:
        reason = self._refusal(req, "reject")
        if reason:
            raise ValueError(reason)

    @workflow.signal(name="approve")
    def approve_signal(self, req: ApprovalRequest) -> None:
        """For clients that can only signal: same rules; a refusal is listed in ``status``."""
        self._signal(req, "approve")

    @workflow.signal(name="reject")
    def reject_signal(self, req: ApprovalRequest) -> None:
        self._signal(req, "reject")

    def _signal(self, req: ApprovalRequest, decision: str) -> None:
        reason = self._refusal(req, decision)
        if reason:
            self._status.refused.append(f"{decision} by {req.approver} refused: {reason}")
        else:
            self._decide(req, decision)

    # -- creation -----------------------------------------------------------------------

    async def _uploads(self, inp: CampaignLaunchInput) -> dict[tuple[int, int], AdSpec]:
        """Upload the creatives given as URLs or files; the ads with the ids TikTok gave them."""
        wid, adv = workflow.info().workflow_id, inp.advertiser_id
        resolved: dict[tuple[int, int], AdSpec] = {}
        for i, group in enumerate(inp.adgroups):
            for j, ad in enumerate(group.ads):
                ids: list[str] = []
                for k, (kind, url, path) in enumerate(ad.uploads()):
                    self._status.step = f"uploading creatives for ad {j + 1} of ad group {i + 1}"
                    name = (url or path or kind).rstrip("/").rsplit("/", 1)[-1][:80] or kind
                    step = UploadStep(
                        advertiser_id=adv,
                        key=f"{wid}/creative/{i}/{j}/{k}",
                        kind=kind,  # type: ignore[arg-type]
                        name=name,
                        url=url,
                        path=path,
                    )
                    up: Uploaded = await self._run(
                        names.UPLOAD_CREATIVE, step, Uploaded, f"Upload {kind} {name}"
                    )
                    ids.append(up.creative_id)
                    if up.change is not None:
                        self._changes.append(up.change)
                if ids and ad.ad_format == "SINGLE_VIDEO":
                    ad = ad.model_copy(update={"video_id": ids[0], "video_url": None, "video_path": None})
                elif ids:
                    ad = ad.model_copy(
                        update={"image_ids": [*ad.image_ids, *ids], "image_urls": [], "image_paths": []}
                    )
                resolved[(i, j)] = ad
        return resolved

    async def _create(self, inp: CampaignLaunchInput) -> None:
        wid, actor, adv = workflow.info().workflow_id, inp.requester, inp.advertiser_id
        ads = await self._uploads(inp) if any(ad.uploads() for g in inp.adgroups for ad in g.ads) else {}
        created = self._status.created
        self._status.step = "creating the campaign"
        step = CreateStep(advertiser_id=adv, key=f"{wid}/campaign", actor=actor, campaign=inp.campaign)
        created.campaign_id = (
            await self._change(names.CREATE_CAMPAIGN, step, "Create campaign (disabled)")
        ).entity_id
        for i, group in enumerate(inp.adgroups):
            self._status.step = f"creating ad group {i + 1}/{len(inp.adgroups)}"
            step = CreateStep(
                advertiser_id=adv,
                key=f"{wid}/adgroup/{i}",
                actor=actor,
                parent_id=created.campaign_id,
                adgroup=group,
            )
            adgroup_id = (
                await self._change(names.CREATE_ADGROUP, step, f"Create ad group {group.adgroup_name}")
            ).entity_id
            created.adgroup_ids.append(adgroup_id)
            for j, spec in enumerate(group.ads):
                ad = ads.get((i, j), spec)
                self._status.step = f"creating ad {j + 1}/{len(group.ads)} of ad group {i + 1}"
                step = CreateStep(
                    advertiser_id=adv,
                    key=f"{wid}/adgroup/{i}/ad/{j}",
                    actor=actor,
                    parent_id=adgroup_id,
                    ad=ad,
                )
                created.ad_ids.append(
                    (await self._change(names.CREATE_AD, step, f"Create ad {ad.ad_name}")).entity_id
                )

    async def _enable(self, inp: CampaignLaunchInput) -> None:
        self._status.step = "enabling"
        c = self._status.created
        reason = "launch: enable after everything was created" + self._approved_by()
        for entity_type, ids in (("ad", c.ad_ids), ("adgroup", c.adgroup_ids), ("campaign", [c.campaign_id])):
            await self._set_status(inp, entity_type, [i for i in ids if i], "ENABLE", reason, "enable")

    async def _compensate(self, inp: CampaignLaunchInput) -> None:
        c = self._status.created
        status = "DISABLE" if inp.on_failure == "pause" else "DELETE"
        reason = f"launch compensation: {status.lower()} after a failure while {self._status.step}"
        order = (("campaign", [c.campaign_id]), ("adgroup", c.adgroup_ids), ("ad", c.ad_ids))
        failed_step = self._status.step
        for entity_type, ids in order if status == "DISABLE" else reversed(order):
            ids = [i for i in ids if i]
            if ids:
                try:
                    await self._set_status(inp, entity_type, ids, status, reason, "compensate")  # type: ignore[arg-type]
                except ActivityError:
                    workflow.logger.error("compensation of %s %s failed; fix by hand", entity_type, ids)
        self._status.step = failed_step

    async def _set_status(
        self, inp: CampaignLaunchInput, entity_type: str, ids: list[str], status: str, reason: str, tag: str
    ) -> None:
        req = StatusChange(
            advertiser_id=inp.advertiser_id,
            entity_type=entity_type,
            ids=ids,  # type: ignore[arg-type]
            operation_status=status,
            key=f"{workflow.info().workflow_id}/{tag}/{entity_type}",  # type: ignore[arg-type]
            actor=inp.requester,
            reason=reason,
        )
        changes: list[EntityChange] = await self._run(
            names.SET_STATUS,
            req,
            list[EntityChange],
            f"{status} {len(ids)} {entity_type}(s)",  # type: ignore[arg-type]
        )
        self._changes.extend(changes)

    def _approved_by(self) -> str:
        names_ = [d.approver for d in self._status.decisions if d.decision == "approve"]
        return f" (approved by {', '.join(names_)})" if names_ else ""

    # -- plumbing -----------------------------------------------------------------------

    async def _change(self, activity: str, step: CreateStep, summary: str) -> EntityChange:
        change: EntityChange = await self._run(activity, step, EntityChange, summary)
        self._changes.append(change)
        return change

    async def _run(self, activity: str, arg: Any, result_type: Any, summary: str) -> Any:
        return await tiktok_activity(
            activity,
            arg,
            result_type,
            summary=summary,
            start_to_close=STEP_TIMEOUT,
            heartbeat=HEARTBEAT_TIMEOUT,
        )

    async def _notify(self, kind: str, recipients: list[str], subject: str, key: str) -> None:
        assert self._inp is not None
        inp = self._inp
        wid = workflow.info().workflow_id
        body = (
            f"{inp.requester} asks to launch '{inp.campaign.campaign_name}' for advertiser "
            f"{inp.advertiser_id} ({len(inp.adgroups)} ad group(s)); policy {inp.approval_policy}; "
            f"deadline {self._status.deadline}. Approve: starter.py approve {wid} --as USER"
        )
        rec = self._status.recommendation
        if rec is not None:
            body += (
                f"\nRecommended structure: {rec.adgroups} ad group(s) "
                f"at {rec.daily_budget_per_adgroup:g}/day, "
                f"{rec.bid_strategy}. " + " ".join(rec.notes)
            )
        notice = Notice(
            kind=kind,
            advertiser_id=inp.advertiser_id,
            recipients=recipients,
            subject=subject,
            body=body,
            dedupe_key=key,
        )
        await self._run(names.NOTIFY, notice, bool, f"Notify {', '.join(recipients) or 'nobody'}: {subject}")

    def _set_state(self, state: ApprovalState) -> None:
        self._status.approval_state = state
        self._status.eligible_now = self._eligible() if state.startswith("pending") else []
        self._status.waiting_for = (
            f"an approval for stage {state[-1]} from one of {', '.join(self._eligible()) or 'nobody'}"
            if state.startswith("pending")
            else None
        )
        workflow.upsert_search_attributes([APPROVAL_STATE.value_set(state)])

    @workflow.query(name="status")
    def status(self) -> LaunchStatus:
        """Current step, approval state, decisions, refusals, what it waits for, ids created."""
        return self._status
