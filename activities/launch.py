"""Activities of ``CampaignLaunch`` before anything is created: the plan (guardrails,
pre-flight of creatives, names, roles, approvers, recommendation), templates, and notices
to people. Creating and enabling go through the shared entity operations (``entities``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import LaunchPreparation
from activities.notifier import render
from alerts.router import channels_from, deliver
from connector import TikTokClient, entities, files
from models.alerts import Alert
from models.approval import stages_needed
from models.errors import InvalidInput
from models.launch import (
    AdSpec,
    CampaignLaunchInput,
    LaunchPlan,
    Notice,
    Notified,
    Recommendation,
    TemplateRequest,
    Violation,
)
from models.recovery_tables import PoolCreativeRow
from models.tables import AdGroupRow, NotificationRow
from models.workflows import validated_input
from policy.guardrails import CreativeFacts, LaunchContext, check_launch
from policy.recommender import recommend
from settings import Settings
from store import Store, access, identity, pool, templates


async def plan_launch(store: Store, tiktok: TikTokClient, inp: CampaignLaunchInput) -> LaunchPlan:
    """Everything that can refuse a launch before it is created, and who may approve it.

    The activity ``prepare_launch`` runs it, and so does ``starter.py launch --check``.
    """
    adv = inp.advertiser_id
    async with store.session() as session:
        launchers = await access.users_with_roles(session, adv, access.CAN_LAUNCH)
        approvers = await access.users_with_roles(session, adv, access.CAN_APPROVE)
        budget = await access.monthly_budget(session, adv)
    video_ids = sorted({ad.video_id for g in inp.adgroups for ad in g.ads if ad.video_id})
    image_ids = sorted({i for g in inp.adgroups for ad in g.ads for i in ad.image_ids})
    videos = await files.video_info(tiktok, adv, video_ids) if video_ids else []
    images = await files.image_info(tiktok, adv, image_ids) if image_ids else []
    facts = {
        v.video_id: CreativeFacts("video", v.duration, v.size, v.format, v.width, v.height) for v in videos
    }
    facts |= {i.image_id: CreativeFacts("image", None, i.size, i.format, i.width, i.height) for i in images}
    violations = check_launch(inp, LaunchContext(monthly_budget=budget, creatives=facts))
    violations += _missing_files(inp)
    violations += await _name_taken(tiktok, inp)
    if inp.requester not in launchers:
        message = f"{inp.requester} is not an Operator or Admin of advertiser {adv}'s tenant"
        violations.insert(0, Violation(field="requester", rule="rbac", message=message))
    needed = stages_needed(inp.approval_policy)
    eligible = [a for a in approvers if a != inp.requester]
    if len(eligible) < needed:
        violations.append(
            Violation(
                field="approval_policy",
                rule="approvers",
                message=f"{inp.approval_policy} needs {needed} approver(s) other than the requester; "
                f"the tenant has {len(eligible)}",
            )
        )
    return LaunchPlan(violations=violations, approvers=approvers, recommendation=await _recommend(store, inp))


async def _name_taken(tiktok: TikTokClient, inp: CampaignLaunchInput) -> list[Violation]:
    """TikTok keeps campaign names unique per advertiser, and the launch finds its campaign
    again by name: a live campaign of that name refuses the launch before anything exists."""
    name = inp.campaign.campaign_name
    same = await entities.named(tiktok, entities.CAMPAIGN, inp.advertiser_id, name, None)
    if not same:
        return []
    ids = ", ".join(c.campaign_id for c in same)
    return [
        Violation(
            field="campaign.campaign_name",
            rule="unique_name",
            message=f"advertiser {inp.advertiser_id} already has a campaign named {name!r} (id {ids})",
        )
    ]


async def _recommend(store: Store, inp: CampaignLaunchInput) -> Recommendation:
    async with store.session() as session:
        stmt = select(AdGroupRow.bid_type).where(col(AdGroupRow.advertiser_id) == inp.advertiser_id)
        bids = (await session.execute(stmt)).scalars().all()
    share = sum(1 for b in bids if b == "BID_TYPE_CUSTOM") / len(bids) if bids else 0.0
    return recommend(inp, past_adgroups=len(bids), past_cost_cap_share=share)


def _missing_files(inp: CampaignLaunchInput) -> list[Violation]:
    """Creative files to upload must be readable by the worker."""
    out = []
    for i, g in enumerate(inp.adgroups):
        for j, ad in enumerate(g.ads):
            for kind, _url, path in ad.uploads():
                if path and not Path(path).is_file():
                    field = f"adgroups[{i}].ads[{j}].{kind}_path{'s' if kind == 'image' else ''}"
                    message = f"{path} is not a readable file"
                    out.append(Violation(field=field, rule="creative_file", message=message))
    return out


# Notices that ask someone to decide: Slack shows them with Approve/Reject buttons.
APPROVAL_KINDS = ("approval_requested", "approval_reminder", "approval_turn", "cycle_approval")


class LaunchActivities(LaunchPreparation):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    @activity.defn
    async def prepare_launch(self, inp: CampaignLaunchInput) -> LaunchPlan:
        """Guardrails, pre-flight of creatives and texts, names, the requester's role, the approvers
        and the public keys their signed approvals are checked with."""
        plan = await plan_launch(self.deps.store, self.deps.tiktok, inp)
        required = (self.deps.settings or Settings()).signed_approvals
        async with self.deps.store.session() as session:
            plan.signing = await identity.signing_for(session, plan.approvers, required)
        return plan

    @activity.defn
    async def resolve_pool_items(self, inp: CampaignLaunchInput) -> CampaignLaunchInput:
        groups = []
        async with self.deps.store.session() as session:
            for i, group in enumerate(inp.adgroups):
                ads = []
                for j, ad in enumerate(group.ads):
                    if ad.pool_id is not None:
                        ad = await _from_pool(session, inp.advertiser_id, ad, f"adgroups[{i}].ads[{j}]")
                    ads.append(ad)
                groups.append(group.model_copy(update={"ads": ads}))
        return inp.model_copy(update={"adgroups": groups})

    @activity.defn
    async def resolve_template(self, req: TemplateRequest) -> CampaignLaunchInput:
        """The saved template deep-merged with the request's fields, validated."""
        async with self.deps.store.session() as session:
            body = (await templates.get_template(session, req.template)).body
        merged = templates.merge(body, req.given)
        return validated_input(CampaignLaunchInput, merged, source=f"template {req.template!r}")

    @activity.defn
    async def notify(self, notice: Notice) -> Notified:
        """Record a message for people, in words, and send it on the alert channels once; an
        approval request carries Slack's Approve/Reject buttons for this workflow."""
        info = activity.info()
        subject, body = render(notice)
        row = NotificationRow(
            workflow_id=info.workflow_id,
            kind=notice.kind,
            advertiser_id=notice.advertiser_id,
            recipients=notice.recipients,
            subject=subject,
            body=body,
            dedupe_key=notice.dedupe_key,
        )
        async with self.deps.store.session() as session:
            written = await access.notify(session, row)
        activity.logger.info("notice %s to %s: %s", notice.kind, ",".join(notice.recipients), subject)
        channels = channels_from(self.deps.settings or Settings())
        if written and channels:  # a retried activity does not send twice
            asks = notice.kind in APPROVAL_KINDS
            alert = Alert(
                level="info",
                kind=notice.kind,
                title=subject,
                body=f"To: {', '.join(notice.recipients)}\n{body}",
                advertiser_id=notice.advertiser_id,
                workflow_id=info.workflow_id,
                approval_workflow_id=info.workflow_id if asks else None,
            )
            await deliver(alert, channels)
        return Notified(written=written)


async def _from_pool(session: AsyncSession, advertiser_id: str, ad: AdSpec, where: str) -> AdSpec:
    """``ad`` with its pool item's creative, and its text, call to action and landing page
    where the ad gives none; only an approved item of this advertiser will do."""
    item = await session.get(PoolCreativeRow, ad.pool_id)
    if item is None or item.advertiser_id != advertiser_id:
        raise InvalidInput(f"{where}.pool_id: no pool item {ad.pool_id} for advertiser {advertiser_id}")
    if item.state not in pool.LAUNCHABLE or item.creative_id is None:
        raise InvalidInput(f"{where}.pool_id: pool item {ad.pool_id} is {item.state}, not approved")
    creative: dict[str, object] = (
        {"ad_format": "SINGLE_VIDEO", "video_id": item.creative_id}
        if item.kind == "video"
        else {"ad_format": "SINGLE_IMAGE", "image_ids": [item.creative_id]}
    )
    landing = ad.landing_page_url or item.landing_page_url
    if landing is None:
        raise InvalidInput(f"{where}.landing_page_url: required (pool item {ad.pool_id} has none)")
    filled = {
        **creative,
        "ad_text": ad.ad_text or item.ad_text,
        "call_to_action": ad.call_to_action if ad.call_to_action != "LEARN_MORE" else item.call_to_action,
        "landing_page_url": str(landing),
        "pool_id": None,  # resolved: the ad now names its creative
    }
    return AdSpec.model_validate({**ad.model_dump(mode="json"), **filled})
