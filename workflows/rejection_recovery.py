"""``RejectionRecovery``: a rejected ad is paused, replaced from the pool, and delivery restored.

1. Inspect: the ad, its ad group and TikTok's verdict now. An ad that is no longer rejected
   ends the run; a replacement another recovery made is left to that recovery.
2. Pause the ad, and its ad group when no other ad of the group can deliver; alert.
3. A rejection of the landing page or the account needs a person: escalate at once.
4. Otherwise, up to ``max_attempts`` times: pick the next approved creative from the pool
   (the campaign's own first), create the replacement ad exactly once (key from this
   workflow's id and the attempt), wait for its review (the receiver signals the verdict;
   a poll every ``poll_seconds`` catches a lost webhook; ``review_timeout_minutes``
   bounds the wait), and on approval enable it and the ad group: delivery is restored and
   MTTR recorded. A rejected replacement is paused and marked rejected in the pool.
5. Pool empty or attempts used up: a critical alert with everything tried, then wait for
   ``retry_with`` (a creative a person chose) or ``give_up``.

Every step shows in the ``status`` query, the search attribute ``RecoveryState`` and the
run's current details.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import EntityOperations, RecoveryOperations
    from models.alerts import Alert, Level
    from models.entities import CreateAdInput, SetStatusInput
    from models.launch import AdSpec
    from models.recovery import (
        REVIEW_SIGNAL,
        Attempt,
        GiveUp,
        InspectInput,
        PickInput,
        PoolCreative,
        RecoveryResult,
        RecoveryStateName,
        RecoveryStatus,
        RejectedAd,
        RejectionRecoveryInput,
        RetryWith,
        ReviewCheck,
        ReviewUpdate,
        WatchInput,
    )
    from models.telemetry import RECOVERY_MTTR
    from models.workflows import RECOVERY_STATE, REJECTION_RECOVERY
    from workflows.common import ADVERTISER_ID, send_alert, tiktok_activity, validated_input

STEP_TIMEOUT = timedelta(minutes=5)


@workflow.defn(name=REJECTION_RECOVERY)
class RejectionRecovery:
    def __init__(self) -> None:
        self._status = RecoveryStatus()
        self._seen: set[str] = set()
        self._verdicts: dict[str, ReviewUpdate] = {}
        self._decision: RetryWith | GiveUp | None = None
        self._inp: RejectionRecoveryInput | None = None

    @workflow.run
    async def run(self, raw: RejectionRecoveryInput | dict[str, Any]) -> RecoveryResult:
        inp = self._inp = validated_input(RejectionRecoveryInput, raw)
        st = self._status
        st.workflow_id, st.advertiser_id, st.ad_id = workflow.info().workflow_id, inp.advertiser_id, inp.ad_id
        st.rejected_at = inp.rejected_at or workflow.now()
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(inp.advertiser_id)])
        self._set("inspecting", f"reading ad {inp.ad_id} and its review verdict")
        ad = await tiktok_activity(
            RecoveryOperations.inspect_rejection,
            InspectInput(advertiser_id=inp.advertiser_id, ad_id=inp.ad_id, reject_reason=inp.reject_reason),
            summary=f"Inspect rejected ad {inp.ad_id}",
            start_to_close=STEP_TIMEOUT,
        )
        if ad.owner and ad.owner != st.workflow_id:
            self._set("handled_elsewhere", f"ad {ad.ad_id} is a replacement made by {ad.owner}")
            return RecoveryResult(outcome="handled_elsewhere", status=st)
        if ad.review_status != "REJECTED":
            self._set("not_rejected", f"ad {ad.ad_id} is {ad.review_status} now: nothing to recover")
            return RecoveryResult(outcome="not_rejected", status=st)
        st.reason = "; ".join(ad.reasons) or inp.reject_reason or "no reason given"
        st.category = ad.category
        await self._pause(ad)
        await self._alert("warning", "ad_rejected", f"Ad '{ad.ad_name}' ({ad.ad_id}) rejected", st.reason)
        if ad.category != "creative":
            await self._escalate(ad, f"the rejection is about the {ad.category.replace('_', ' ')}")
        else:
            while not await self._try_pool(ad, inp):
                if len(st.attempts) >= inp.max_attempts:
                    await self._escalate(ad, f"{len(st.attempts)} replacement(s) tried, none approved")
                    break
        while st.state == "escalated":
            await workflow.wait_condition(lambda: self._decision is not None)
            decision, self._decision = self._decision, None
            if isinstance(decision, GiveUp):
                st.decided_by = decision.actor
                self._set("gave_up", f"{decision.actor} gave up: {decision.reason or 'no reason given'}")
                await self._record()
                return RecoveryResult(outcome="gave_up", status=st)
            assert isinstance(decision, RetryWith)
            st.decided_by = decision.actor
            if not await self._try(ad, self._chosen(ad, decision), chosen_by=decision.actor):
                why = f"{decision.actor}'s creative {decision.creative_id} was not approved"
                await self._escalate(ad, why)
        await self._record()
        return RecoveryResult(outcome="restored", status=st)

    # -- steps ----------------------------------------------------------------------------------
    async def _pause(self, ad: RejectedAd) -> None:
        wid = self._status.workflow_id
        self._set("pausing", f"pausing ad {ad.ad_id}")
        if ad.operation_status == "ENABLE":
            await self._set_status(ad, "ad", [ad.ad_id], "DISABLE", f"{wid}/pause-ad", "rejected in review")
        self._status.paused.append(f"ad {ad.ad_id}")
        if ad.live_siblings == 0 and ad.adgroup_status == "ENABLE":
            reason = "its only deliverable ad was rejected"
            await self._set_status(ad, "adgroup", [ad.adgroup_id], "DISABLE", f"{wid}/pause-adgroup", reason)
            self._status.paused.append(f"adgroup {ad.adgroup_id}")
        await self._record()

    async def _try_pool(self, ad: RejectedAd, inp: RejectionRecoveryInput) -> bool:
        """Try the next pool creative; False when it failed. Escalates when the pool is empty."""
        self._set("replacing", "picking a replacement from the creative pool")
        tried = [a.pool_id for a in self._status.attempts if a.pool_id is not None]
        pick = await tiktok_activity(
            RecoveryOperations.pick_replacement,
            PickInput(advertiser_id=ad.advertiser_id, campaign_id=ad.campaign_id, exclude=tried),
            summary=f"Pick a pre-approved creative for campaign {ad.campaign_id}",
            start_to_close=STEP_TIMEOUT,
        )
        if pick is None:
            await self._escalate(ad, "the creative pool has no approved creative left for this campaign")
            return True  # nothing more to try automatically
        return await self._try(ad, pick, chosen_by="pool")

    async def _try(self, ad: RejectedAd, pick: PoolCreative, *, chosen_by: str) -> bool:
        """Create the replacement once, wait for its review; True when delivery is restored."""
        assert self._inp is not None
        st, wid = self._status, self._status.workflow_id
        number = len(st.attempts) + 1
        attempt = Attempt(
            number=number, pool_id=pick.pool_id, creative_id=pick.creative_id, chosen_by=chosen_by
        )
        st.attempts.append(attempt)
        self._set("replacing", f"creating replacement {number} with creative {pick.creative_id}")
        spec = AdSpec(
            ad_name=f"{ad.ad_name} (replacement {number})"[:480],
            ad_format="SINGLE_IMAGE" if pick.kind == "image" else "SINGLE_VIDEO",
            ad_text=pick.ad_text,
            video_id=pick.creative_id if pick.kind == "video" else None,
            image_ids=[pick.creative_id] if pick.kind == "image" else [],
            call_to_action=pick.call_to_action,
            landing_page_url=pick.landing_page_url or ad.landing_page_url,
            display_name=ad.display_name,
        )
        made = await tiktok_activity(
            EntityOperations.create_ad,
            CreateAdInput(
                advertiser_id=ad.advertiser_id,
                key=f"{wid}/replacement/{number}",
                actor=self._inp.actor,
                reason=f"replacement {number} for rejected ad {ad.ad_id}: {st.reason}",
                adgroup_id=ad.adgroup_id,
                ad=spec,
            ),
            summary=f"Create replacement {number} for ad {ad.ad_id}",
            start_to_close=STEP_TIMEOUT,
        )
        attempt.ad_id = st.replacement_ad_id = made.entity_id
        await tiktok_activity(
            RecoveryOperations.watch_review,
            WatchInput(advertiser_id=ad.advertiser_id, ad_id=made.entity_id, workflow_id=wid),
            summary=f"Route review events of {made.entity_id} here",
            start_to_close=STEP_TIMEOUT,
        )
        await self._record()
        verdict = await self._await_review(ad, made.entity_id)
        if verdict is None:
            attempt.outcome = "review timed out"
            return False
        if verdict.review_status == "REJECTED":
            attempt.outcome = f"rejected: {verdict.reject_reason or 'no reason given'}"
            title = f"Replacement {made.entity_id} rejected"
            await self._alert("info", "replacement_rejected", title, attempt.outcome)
            await self._record()
            return False
        attempt.outcome = "approved"
        await self._restore(ad, made.entity_id)
        return True

    async def _await_review(self, ad: RejectedAd, ad_id: str) -> ReviewUpdate | None:
        """The replacement's verdict from a signal or a poll; None when the timeout passes."""
        assert self._inp is not None
        self._set("awaiting_review", f"waiting for TikTok's review of replacement {ad_id}")
        deadline = workflow.now() + timedelta(minutes=self._inp.review_timeout_minutes)
        polls = 0
        while ad_id not in self._verdicts:
            left = (deadline - workflow.now()).total_seconds()
            if left <= 0:
                return None
            try:
                await workflow.wait_condition(
                    lambda: ad_id in self._verdicts, timeout=min(self._inp.poll_seconds, left)
                )
            except TimeoutError:
                polls += 1
                found = await tiktok_activity(
                    RecoveryOperations.check_review,
                    ReviewCheck(advertiser_id=ad.advertiser_id, ad_id=ad_id),
                    summary=f"Poll the review of {ad_id}",
                    start_to_close=STEP_TIMEOUT,
                )
                if found.review_status != "IN_REVIEW":
                    reason = "; ".join(found.reasons) or None
                    self.review_update(
                        ReviewUpdate(
                            event_id=f"poll:{ad_id}:{polls}",
                            ad_id=ad_id,
                            review_status=found.review_status,
                            reject_reason=reason,
                        )
                    )
        return self._verdicts[ad_id]

    async def _restore(self, ad: RejectedAd, replacement: str) -> None:
        st, wid = self._status, self._status.workflow_id
        self._set("restoring", f"enabling replacement {replacement}")
        reason = f"replacement for rejected ad {ad.ad_id} approved"
        await self._set_status(ad, "ad", [replacement], "ENABLE", f"{wid}/enable/{replacement}", reason)
        if f"adgroup {ad.adgroup_id}" in st.paused:
            await self._set_status(ad, "adgroup", [ad.adgroup_id], "ENABLE", f"{wid}/resume-adgroup", reason)
        st.restored_at = workflow.now()
        assert st.rejected_at is not None
        st.mttr_seconds = (st.restored_at - st.rejected_at).total_seconds()
        workflow.metric_meter().create_histogram_float(
            RECOVERY_MTTR, "From an ad's rejection to delivery restored", "s"
        ).record(st.mttr_seconds, {"chosen_by": "pool" if st.decided_by is None else "person"})
        self._set("restored", f"delivery restored with {replacement} after {st.mttr_seconds / 60:.1f} min")
        await self._alert(
            "info", "delivery_restored", f"Ad {ad.ad_id} replaced by {replacement}", self._tried_lines()
        )

    async def _escalate(self, ad: RejectedAd, why: str) -> None:
        st = self._status
        st.escalation = why
        self._set("escalated", f"waiting for a person: {why} (retry_with or give_up)")
        body = (
            f"Ad '{ad.ad_name}' ({ad.ad_id}) of advertiser {ad.advertiser_id} was rejected: {st.reason}\n"
            f"Escalated because {why}.\n{self._tried_lines()}\n"
            f"Decide: starter.py recovery retry {st.workflow_id} --creative VIDEO_ID --as USER, "
            f"or starter.py recovery give-up {st.workflow_id} --as USER"
        )
        await self._alert("critical", "recovery_escalated", f"Rejected ad {ad.ad_id} needs a person", body)
        await self._record()

    # -- helpers ----------------------------------------------------------------------------------
    def _chosen(self, ad: RejectedAd, req: RetryWith) -> PoolCreative:
        return PoolCreative(
            kind=req.kind,
            creative_id=req.creative_id,
            ad_text=req.ad_text or ad.ad_text,
            call_to_action=req.call_to_action or ad.call_to_action,
            landing_page_url=str(req.landing_page_url) if req.landing_page_url else None,
        )

    async def _set_status(
        self, ad: RejectedAd, kind: str, ids: list[str], status: str, key: str, reason: str
    ) -> None:
        assert self._inp is not None
        await tiktok_activity(
            EntityOperations.set_status,
            SetStatusInput(
                advertiser_id=ad.advertiser_id,
                key=key,
                actor=self._inp.actor,
                reason=f"{reason} ({self._status.workflow_id})",
                entity_type=kind,
                ids=ids,
                operation_status=status,
            ),
            summary=f"{status.title()} {kind} {', '.join(ids)}",
            start_to_close=STEP_TIMEOUT,
        )

    async def _alert(self, level: Level, kind: str, title: str, body: str) -> None:
        st = self._status
        alert = Alert(
            level=level,
            kind=kind,
            title=title,
            body=body,
            advertiser_id=st.advertiser_id,
            workflow_id=st.workflow_id,
            dedupe_key=f"{kind}/{st.workflow_id}/{len(st.attempts)}",
        )
        await send_alert(alert)

    async def _record(self) -> None:
        await tiktok_activity(
            RecoveryOperations.record_recovery,
            self._status,
            summary=f"Record recovery state {self._status.state}",
            start_to_close=STEP_TIMEOUT,
        )

    def _tried_lines(self) -> str:
        if not self._status.attempts:
            return "Tried: nothing yet."
        lines = [
            f"  {a.number}. creative {a.creative_id} ({a.chosen_by}) -> ad {a.ad_id or '-'}: {a.outcome}"
            for a in self._status.attempts
        ]
        return "Tried:\n" + "\n".join(lines)

    def _set(self, state: RecoveryStateName, waiting_for: str) -> None:
        self._status.state, self._status.waiting_for = state, waiting_for
        workflow.upsert_search_attributes([RECOVERY_STATE.value_set(state)])
        st = self._status
        details = [f"**{state}**: {waiting_for}"]
        if st.reason:
            details.append(f"Rejected because: {st.reason} ({st.category})")
        if st.attempts:
            details.append(self._tried_lines())
        workflow.set_current_details("\n".join(details))

    # -- handlers ---------------------------------------------------------------------------------
    @workflow.signal(name=REVIEW_SIGNAL)
    def review_update(self, update: ReviewUpdate) -> None:
        """A review verdict (receiver or reconciler); each event id counts once."""
        if update.event_id in self._seen:
            return
        self._seen.add(update.event_id)
        if update.review_status != "IN_REVIEW" and update.ad_id != self._status.ad_id:
            self._verdicts[update.ad_id] = update

    @workflow.update(name="retry_with")
    def retry_with(self, req: RetryWith) -> RecoveryStatus:
        """Try this creative now (only while escalated)."""
        self._decision = req
        return self._status

    @retry_with.validator
    def _check_retry(self, req: RetryWith) -> None:
        self._check_escalated()

    @workflow.update(name="give_up")
    def give_up(self, req: GiveUp) -> RecoveryStatus:
        """Leave the ad paused and end the recovery (only while escalated)."""
        self._decision = req
        return self._status

    @give_up.validator
    def _check_give_up(self, req: GiveUp) -> None:
        self._check_escalated()

    @workflow.signal(name="retry_with")
    def retry_with_signal(self, req: RetryWith) -> None:
        """For clients that can only signal: taken only while escalated."""
        if self._status.state == "escalated" and self._decision is None:
            self._decision = req

    @workflow.signal(name="give_up")
    def give_up_signal(self, req: GiveUp) -> None:
        if self._status.state == "escalated" and self._decision is None:
            self._decision = req

    def _check_escalated(self) -> None:
        if self._status.state != "escalated" or self._decision is not None:
            raise ApplicationError(
                f"recovery {self._status.workflow_id} is {self._status.state}, not waiting for a decision",
                non_retryable=True,
            )

    @workflow.query(name="status")
    def status(self) -> RecoveryStatus:
        """State, what it waits for, the reason, what it paused and tried, MTTR."""
        return self._status
