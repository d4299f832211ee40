"""Rejection recovery's activities: read the rejected ad, pick from the pool, follow review,
keep the record; and the reconciler that catches rejections no webhook announced."""

from __future__ import annotations

import logging

from temporalio import activity
from temporalio.client import Client

from activities.context import Dependencies
from activities.interfaces import RecoveryOperations
from connector import TikTokClient, entities, review
from connector.entities import AD, ADGROUP
from models.errors import InvalidInput
from models.recovery import (
    InspectInput,
    PickInput,
    PoolCreative,
    ReconcileResult,
    RecoveryStatus,
    RejectedAd,
    ReviewCheck,
    ReviewUpdate,
    ReviewVerdict,
    WatchInput,
    recovery_id,
)
from policy.review import classify
from settings import Settings
from store import Store, events, pool
from temporal_client import hand_off_review, recovery_input

log = logging.getLogger(__name__)
CANNOT_DELIVER = ("AD_STATUS_AUDIT_DENY", "AD_STATUS_DELETE", "AD_STATUS_DISABLE")


class RecoveryActivities(RecoveryOperations):
    def __init__(self, deps: Dependencies, client: Client) -> None:
        self.deps = deps
        self.client = client
        self.settings = deps.settings or Settings()

    @activity.defn
    async def inspect_rejection(self, inp: InspectInput) -> RejectedAd:
        tiktok, adv = self.deps.tiktok, inp.advertiser_id
        found = await entities.get_many(tiktok, AD, adv, [inp.ad_id])
        if not found:
            raise InvalidInput(f"ad_id: ad {inp.ad_id} not found on advertiser {adv}")
        ad = found[0]
        verdict = (await review.review_info(tiktok, adv, [ad.ad_id])).get(ad.ad_id)
        status = verdict.verdict if verdict else "IN_REVIEW"
        if ad.secondary_status == review.REJECTED_SECONDARY:
            status = "REJECTED"
        reasons = verdict.reasons if verdict else []
        if not reasons and inp.reject_reason:
            reasons = [inp.reject_reason]
        siblings = await entities.list_children(tiktok, AD, adv, ad.adgroup_id)
        live = [
            s
            for s in siblings
            if s.ad_id != ad.ad_id
            and s.operation_status == "ENABLE"
            and s.secondary_status not in CANNOT_DELIVER
        ]
        group = (await entities.get_many(tiktok, ADGROUP, adv, [ad.adgroup_id]))[0]
        async with self.deps.store.session() as session:
            owner = await events.watcher(session, ad.ad_id)
        return RejectedAd(
            advertiser_id=adv,
            ad_id=ad.ad_id,
            ad_name=ad.ad_name,
            adgroup_id=ad.adgroup_id,
            campaign_id=ad.campaign_id,
            review_status=status,
            reasons=reasons,
            category=classify(reasons),
            operation_status=ad.operation_status or "",
            adgroup_status=group.operation_status or "",
            live_siblings=len(live),
            ad_format="SINGLE_IMAGE" if ad.image_ids and not ad.video_id else "SINGLE_VIDEO",
            ad_text=ad.ad_text or "",
            call_to_action=ad.call_to_action or "LEARN_MORE",
            landing_page_url=ad.landing_page_url or "",
            display_name=getattr(ad, "display_name", None),
            owner=owner,
        )

    @activity.defn
    async def pick_replacement(self, inp: PickInput) -> PoolCreative | None:
        async with self.deps.store.session() as session:
            return await pool.pick(session, inp.advertiser_id, inp.campaign_id, inp.exclude)

    @activity.defn
    async def watch_review(self, inp: WatchInput) -> None:
        async with self.deps.store.session() as session:
            await events.watch(session, inp.advertiser_id, inp.ad_id, inp.workflow_id)

    @activity.defn
    async def check_review(self, inp: ReviewCheck) -> ReviewVerdict:
        found = (await review.review_info(self.deps.tiktok, inp.advertiser_id, [inp.ad_id])).get(inp.ad_id)
        if found is None:
            return ReviewVerdict(ad_id=inp.ad_id, review_status="IN_REVIEW")
        return ReviewVerdict(ad_id=inp.ad_id, review_status=found.verdict, reasons=found.reasons)

    @activity.defn
    async def record_recovery(self, status: RecoveryStatus) -> None:
        async with self.deps.store.session() as session:
            await events.save_recovery(session, status)
            for attempt in status.attempts:
                if attempt.pool_id is not None and attempt.ad_id:
                    verdict = "rejected" if attempt.outcome.startswith("rejected") else attempt.outcome
                    await pool.mark_used(session, attempt.pool_id, attempt.ad_id, verdict=verdict)

    @activity.defn
    async def reconcile_reviews(self, advertiser_id: str) -> ReconcileResult:
        settings = self.settings.model_copy(update={"task_queue": activity.info().task_queue})
        return await reconcile(self.deps.tiktok, self.deps.store, self.client, settings, advertiser_id)


async def reconcile(
    tiktok: TikTokClient, store: Store, client: Client, settings: Settings, advertiser_id: str
) -> ReconcileResult:
    """Hand every rejected ad that is still enabled to its recovery, as the receiver would
    have: signal-with-start ``recover-<ad id>``, so a recovery already running only gets a
    signal (whose event id it has seen before) and nothing starts twice. Replacement ads
    are left to the recovery that made them, which polls them."""
    rejected = await review.rejected_ads(tiktok, advertiser_id)
    result = ReconcileResult(rejected=len(rejected))
    for ad in rejected:
        async with store.session() as session:
            owner = await events.watcher(session, ad.ad_id)
        if owner:
            result.replacements.append(ad.ad_id)
            continue
        update = ReviewUpdate(event_id=f"poll:{ad.ad_id}", ad_id=ad.ad_id, review_status="REJECTED")
        inp = recovery_input(settings, advertiser_id, ad.ad_id, "poll", update)
        workflow_id = await hand_off_review(client, settings.task_queue, inp, update)
        async with store.session() as session:
            await events.note_handoff(
                session, workflow_id, advertiser_id, ad.ad_id, "found by the reconciler"
            )
        result.handed_off.append(workflow_id)
        log.info("reconciler: rejected ad %s handed to %s", ad.ad_id, recovery_id(ad.ad_id))
    return result
