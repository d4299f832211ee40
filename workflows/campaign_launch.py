"""``CampaignLaunch``: validate, wait for approval, create everything once, enable it.

1. Validate: guardrails, creative and text pre-flight, names, roles (``prepare_launch``).
   Any violation ends the launch as ``refused`` with every field and rule; nothing is
   created (runs recorded before the ``outcome-notices`` patch failed instead).
2. Approval (``single`` / ``two_stage``): waits for the ``approve`` / ``reject`` update (or
   signal), with reminders, until the deadline; two stages need two different approvers,
   neither of them the requester. Stage-2 approvers are told when it is their turn.
3. Create the campaign, ad groups and ads in that order, each exactly once (keys derived
   from the workflow id and the step), all disabled; then enable ads, ad groups, campaign.
4. If a step fails for good, pause (or delete) what was created, record it, and fail
   naming the step and TikTok's message. The requester hears every outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import CreativeUploads, EntityOperations, LaunchPreparation
    from models.approval import approval_state
    from models.changes import EntityChange
    from models.entities import (
        CreateAdGroupInput,
        CreateAdInput,
        CreateCampaignInput,
        ManagedType,
        OperationStatus,
        SetStatusInput,
    )
    from models.errors import GuardrailViolation, InvalidInput, LaunchFailed
    from models.identity import Signing
    from models.launch import (
        AdSpec,
        ApprovalState,
        CampaignLaunchInput,
        LaunchResult,
        LaunchStatus,
        TemplateRequest,
        UploadCreativeInput,
        launch_notice,
    )
    from models.workflows import CAMPAIGN_LAUNCH
    from workflows.common import (
        ADVERTISER_ID,
        APPROVAL_STATE,
        CAMPAIGN_NAME,
        tiktok_activity,
        validated_input,
    )
    from workflows.launch_approvals import LaunchApprovals

STEP_TIMEOUT = timedelta(minutes=5)
# Activities heartbeat before every TikTok call: a dead worker's attempt is retried
# elsewhere after this long instead of after STEP_TIMEOUT. Longer than one HTTP timeout.
HEARTBEAT_TIMEOUT = timedelta(seconds=45)
# Refusals complete with outcome "refused"; people hear of turns and outcomes.
OUTCOME_NOTICES = "outcome-notices"
POOL_ITEMS = "pool-items"  # ads may name an approved creative of the pool
A = TypeVar("A")
R = TypeVar("R")


@workflow.defn(name=CAMPAIGN_LAUNCH)
class CampaignLaunch(LaunchApprovals):
    def __init__(self) -> None:
        self._inp: CampaignLaunchInput | None = None
        self._status = LaunchStatus(step="starting")
        self._changes: list[EntityChange] = []
        self._signing = Signing()

    @workflow.run
    async def run(self, raw: CampaignLaunchInput | dict[str, Any]) -> LaunchResult:
        inp = self._inp = await self._pool_items(await self._input(raw))
        workflow.upsert_search_attributes(
            [ADVERTISER_ID.value_set(inp.advertiser_id), CAMPAIGN_NAME.value_set(inp.campaign.campaign_name)]
        )
        self._set_state("not_required")
        self._step("validating")
        plan = await self._run(LaunchPreparation.prepare_launch, inp, "Guardrails and pre-flight")
        if plan.violations:
            lines = [f"{v.field}: {v.message} [{v.rule}]" for v in plan.violations]
            refusal = f"launch refused, {len(lines)} violation(s): " + "; ".join(lines)
            if not workflow.patched(OUTCOME_NOTICES):
                raise GuardrailViolation(refusal, [v.model_dump() for v in plan.violations])
            self._status.violations = plan.violations
            self._set_state("refused")
            return await self._end(
                LaunchResult(outcome="refused", reason=refusal, violations=plan.violations)
            )
        self._status.approvers = plan.approvers
        self._signing = plan.signing
        self._status.recommendation = plan.recommendation
        if inp.approval_policy != "none":
            ended = await self._approval(inp)
            if ended is not None:
                return ended
        try:
            await self._create(inp)
            await self._enable(inp)
        except ActivityError as err:
            failed_while = self._status.step
            await self._compensate(inp)
            cause = err.cause.message if isinstance(err.cause, ApplicationError) else str(err.cause or err)
            undone = "paused" if inp.on_failure == "pause" else "deleted"
            self._status.failure = f"launch failed while {failed_while}: {cause}; {undone} what was created"
            self._step(f"failed while {failed_while}")
            if workflow.patched(OUTCOME_NOTICES):
                await self._tell_requester("failed", self._status.failure)
            raise LaunchFailed(self._status.failure) from err
        self._step("done")
        return await self._end(
            LaunchResult(
                outcome="launched",
                created=self._status.created,
                decisions=self._status.decisions,
                changes=self._changes,
            )
        )

    async def _input(self, raw: CampaignLaunchInput | dict[str, Any]) -> CampaignLaunchInput:
        """The input as given, or a saved template merged with it (activity ``resolve_template``)."""
        template = raw.template if isinstance(raw, CampaignLaunchInput) else raw.get("template")
        if not template:
            return validated_input(CampaignLaunchInput, raw)
        self._step(f"applying template {template}")
        given = (
            raw.model_dump(mode="json", exclude_unset=True) if isinstance(raw, CampaignLaunchInput) else raw
        )
        request = TemplateRequest(given=given)
        return await self._input_step(
            LaunchPreparation.resolve_template, request, f"Apply template {template}"
        )

    async def _pool_items(self, inp: CampaignLaunchInput) -> CampaignLaunchInput:
        """Ads that name a pool item get its creative, text and landing page (``resolve_pool_items``)."""
        if not any(ad.pool_id is not None for group in inp.adgroups for ad in group.ads):
            return inp  # (runs before pool items existed never reach the patch below)
        workflow.patched(POOL_ITEMS)
        self._step("taking creatives from the pool")
        return await self._input_step(
            LaunchPreparation.resolve_pool_items, inp, "Take the ads' creatives from the pool"
        )

    async def _input_step(
        self, activity: Callable[[Any, A], Awaitable[CampaignLaunchInput]], arg: A, summary: str
    ) -> CampaignLaunchInput:
        """An activity that completes the input; its refusal is the launch's own bad input."""
        try:
            return await self._run(activity, arg, summary)
        except ActivityError as err:
            invalid = InvalidInput.find(err)
            if invalid is not None:
                raise InvalidInput(invalid.message, *invalid.details) from err
            raise

    async def _end(self, result: LaunchResult) -> LaunchResult:
        if workflow.patched(OUTCOME_NOTICES):
            await self._tell_requester(result.outcome, result.reason)
        return result

    # -- approval ---------------------------------------------------------------------

    async def _approval(self, inp: CampaignLaunchInput) -> LaunchResult | None:
        deadline = workflow.now() + timedelta(hours=inp.approval_deadline_hours)
        self._status.deadline = deadline
        self._step("waiting for approval")
        self._set_state("pending_stage_1")
        wid = workflow.info().workflow_id
        await self._notify("approval_requested", self._eligible(), f"{wid}/request", stage=1)
        reminders = 0
        told_stage_2 = False
        while True:
            # Decisions that arrive while this iteration awaits (a notice) end its wait at once.
            seen = len(self._status.decisions)
            state = approval_state(inp.approval_policy, self._status.decisions)
            if state == "rejected":
                self._set_state("rejected")
                self._step("rejected")
                reason = next(d.reason for d in self._status.decisions if d.decision == "reject")
                return await self._end(
                    LaunchResult(outcome="rejected", reason=reason, decisions=self._status.decisions)
                )
            if state == "approved":
                self._set_state("approved")
                self._status.waiting_for = None
                return None
            self._set_state(state)
            if state == "pending_stage_2" and not told_stage_2 and workflow.patched(OUTCOME_NOTICES):
                await self._notify("approval_turn", self._eligible(), f"{wid}/turn/2", stage=2)
                told_stage_2 = True
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                self._set_state("timed_out")
                self._step("cancelled: approval_timeout")
                await self._notify("approval_timeout", [inp.requester], f"{wid}/timeout")
                return LaunchResult(
                    outcome="approval_timeout", reason="approval_timeout", decisions=self._status.decisions
                )
            try:
                await workflow.wait_condition(
                    self._decided_since(seen),
                    timeout=min(remaining, timedelta(hours=inp.reminder_every_hours)),
                    timeout_summary="approval reminder or deadline",
                )
            except TimeoutError:
                if workflow.now() < deadline:
                    reminders += 1
                    stage = 2 if state == "pending_stage_2" else 1
                    key = f"{wid}/reminder/{reminders}"
                    await self._notify("approval_reminder", self._eligible(), key, stage=stage)

    def _decided_since(self, seen: int) -> Callable[[], bool]:
        return lambda: len(self._status.decisions) != seen

    # -- creation -----------------------------------------------------------------------

    async def _uploads(self, inp: CampaignLaunchInput) -> dict[tuple[int, int], AdSpec]:
        """Upload the creatives given as URLs or files; the ads with the ids TikTok gave them."""
        wid, adv = workflow.info().workflow_id, inp.advertiser_id
        resolved: dict[tuple[int, int], AdSpec] = {}
        for i, group in enumerate(inp.adgroups):
            for j, ad in enumerate(group.ads):
                ids: list[str] = []
                for k, (kind, url, path) in enumerate(ad.uploads()):
                    self._step(f"uploading creatives for ad {j + 1} of ad group {i + 1}")
                    name = (url or path or kind).rstrip("/").rsplit("/", 1)[-1][:80] or kind
                    step = UploadCreativeInput(
                        advertiser_id=adv,
                        key=f"{wid}/creative/{i}/{j}/{k}",
                        kind="video" if kind == "video" else "image",
                        name=name,
                        url=url,
                        path=path,
                        actor=inp.requester,
                    )
                    up = await self._run(CreativeUploads.upload_creative, step, f"Upload {kind} {name}")
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
        self._step("creating the campaign")
        campaign = CreateCampaignInput(
            advertiser_id=adv,
            key=f"{wid}/campaign",
            actor=actor,
            reason="launch: create campaign (disabled until all is built)",
            campaign=inp.campaign,
        )
        change = await self._run(EntityOperations.create_campaign, campaign, "Create campaign (disabled)")
        self._changes.append(change)
        campaign_id = created.campaign_id = change.entity_id
        for i, group in enumerate(inp.adgroups):
            self._step(f"creating ad group {i + 1}/{len(inp.adgroups)}")
            adgroup = CreateAdGroupInput(
                advertiser_id=adv,
                key=f"{wid}/adgroup/{i}",
                actor=actor,
                reason="launch: create ad group",
                campaign_id=campaign_id,
                adgroup=group,
            )
            change = await self._run(
                EntityOperations.create_adgroup, adgroup, f"Create ad group {group.adgroup_name}"
            )
            self._changes.append(change)
            created.adgroup_ids.append(change.entity_id)
            for j, spec in enumerate(group.ads):
                self._step(f"creating ad {j + 1}/{len(group.ads)} of ad group {i + 1}")
                ad = CreateAdInput(
                    advertiser_id=adv,
                    key=f"{wid}/adgroup/{i}/ad/{j}",
                    actor=actor,
                    reason="launch: create ad",
                    adgroup_id=change.entity_id,
                    ad=ads.get((i, j), spec),
                )
                made = await self._run(EntityOperations.create_ad, ad, f"Create ad {spec.ad_name}")
                self._changes.append(made)
                created.ad_ids.append(made.entity_id)

    async def _enable(self, inp: CampaignLaunchInput) -> None:
        self._step("enabling")
        c = self._status.created
        approvers = [d.approver for d in self._status.decisions if d.decision == "approve"]
        reason = "launch: enable after everything was created"
        reason += f" (approved by {', '.join(approvers)})" if approvers else ""
        steps: tuple[tuple[ManagedType, list[str | None]], ...] = (
            ("ad", [*c.ad_ids]),
            ("adgroup", [*c.adgroup_ids]),
            ("campaign", [c.campaign_id]),
        )
        for entity_type, ids in steps:
            await self._set_status(inp, entity_type, [i for i in ids if i], "ENABLE", reason, "enable")

    async def _compensate(self, inp: CampaignLaunchInput) -> None:
        c = self._status.created
        status: OperationStatus = "DISABLE" if inp.on_failure == "pause" else "DELETE"
        reason = f"launch compensation: {status.lower()} after a failure while {self._status.step}"
        order: tuple[tuple[ManagedType, list[str | None]], ...] = (
            ("campaign", [c.campaign_id]),
            ("adgroup", [*c.adgroup_ids]),
            ("ad", [*c.ad_ids]),
        )
        failed_step = self._status.step
        for entity_type, ids in order if status == "DISABLE" else reversed(order):
            present = [i for i in ids if i]
            if present:
                try:
                    await self._set_status(inp, entity_type, present, status, reason, "compensate")
                except ActivityError:
                    workflow.logger.error("compensation of %s %s failed; fix by hand", entity_type, ids)
        self._status.step = failed_step

    async def _set_status(
        self,
        inp: CampaignLaunchInput,
        entity_type: ManagedType,
        ids: list[str],
        status: OperationStatus,
        reason: str,
        tag: str,
    ) -> None:
        req = SetStatusInput(
            advertiser_id=inp.advertiser_id,
            entity_type=entity_type,
            ids=ids,
            operation_status=status,
            key=f"{workflow.info().workflow_id}/{tag}/{entity_type}",
            actor=inp.requester,
            reason=reason,
        )
        done = await self._run(EntityOperations.set_status, req, f"{status} {len(ids)} {entity_type}(s)")
        self._changes.extend(done.changes)

    # -- plumbing -----------------------------------------------------------------------

    async def _run(self, activity: Callable[[Any, A], Awaitable[R]], arg: A, summary: str) -> R:
        return await tiktok_activity(
            activity, arg, summary=summary, start_to_close=STEP_TIMEOUT, heartbeat=HEARTBEAT_TIMEOUT
        )

    async def _notify(self, kind: str, recipients: list[str], key: str, **facts: Any) -> None:
        """Tell people, as facts; the notifier words them for each channel."""
        assert self._inp is not None
        notice = launch_notice(
            self._inp, self._status, workflow.info().workflow_id, kind, recipients, key, **facts
        )
        who = ", ".join(recipients) or "nobody"
        await self._run(LaunchPreparation.notify, notice, f"Notify {who}: {kind}")

    async def _tell_requester(self, outcome: str, reason: str | None) -> None:
        assert self._inp is not None
        key = f"{workflow.info().workflow_id}/outcome"
        await self._notify("launch_outcome", [self._inp.requester], key, outcome=outcome, reason=reason)

    def _step(self, step: str) -> None:
        self._status.step = step
        self._details()

    def _set_state(self, state: ApprovalState) -> None:
        self._status.approval_state = state
        pending = state.startswith("pending")
        self._status.eligible_now = self._eligible() if pending else []
        who = " or ".join(self._eligible()) or "nobody"
        self._status.waiting_for = f"an approval for stage {state[-1]} from {who}" if pending else None
        workflow.upsert_search_attributes([APPROVAL_STATE.value_set(state)])
        self._details()

    def _details(self) -> None:
        workflow.set_current_details(self._status.details())

    @workflow.query(name="status")
    def status(self) -> LaunchStatus:
        """Current step, approval state, decisions, refusals, what it waits for, ids created."""
        return self._status
