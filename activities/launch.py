"""Activities of ``CampaignLaunch``: prepare (guardrails, approvers), notify, create each
object exactly once (create-or-get, created disabled), and change statuses.

Every mutating activity returns the :class:`EntityChange` records (before, after, reason,
actor, key) and writes them to the change log under the same key, so a retry writes
nothing twice and the history holds the full change log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import col, select
from temporalio import activity

from activities import changes, names
from activities.context import Dependencies
from connector import files
from connector.creation import AD, ADGROUP, CAMPAIGN, Kind, create_or_get, get_by_id
from models.launch import (
    AdGroupSpec,
    AdSpec,
    CampaignLaunchInput,
    CreateStep,
    EntityChange,
    LaunchPlan,
    Notice,
    Recommendation,
    StatusChange,
    Violation,
)
from models.tables import AdGroupRow, NotificationRow
from models.workflows import validated_input
from policy.guardrails import CreativeFacts, LaunchContext, check_launch
from policy.recommender import recommend
from store import access, templates

KINDS: dict[str, Kind[Any]] = {"campaign": CAMPAIGN, "adgroup": ADGROUP, "ad": AD}
STATUS_PATHS = {
    "campaign": "campaign/status/update/",
    "adgroup": "adgroup/status/update/",
    "ad": "ad/status/update/",
}
MAX_IDS_PER_STATUS_CALL = 20
TRACKED = ("operation_status", "secondary_status", "budget", "campaign_name", "adgroup_name", "ad_name")


def _snapshot(entity: Any) -> dict[str, Any]:
    data = entity.model_dump(mode="json") if hasattr(entity, "model_dump") else dict(entity)
    return {k: data[k] for k in TRACKED if k in data}


class LaunchActivities:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    def all(self) -> list[object]:
        return [
            self.prepare_launch,
            self.resolve_template,
            self.notify,
            self.create_campaign,
            self.create_adgroup,
            self.create_ad,
            self.set_status,
        ]

    @activity.defn(name=names.PREPARE_LAUNCH)
    async def prepare_launch(self, inp: CampaignLaunchInput) -> LaunchPlan:
        """Guardrails, pre-flight of creatives and texts, the requester's role, the approvers."""
        async with self.deps.store.session() as session:
            launchers = await access.users_with_roles(session, inp.advertiser_id, access.CAN_LAUNCH)
            approvers = await access.users_with_roles(session, inp.advertiser_id, access.CAN_APPROVE)
            budget = await access.monthly_budget(session, inp.advertiser_id)
        video_ids = sorted({ad.video_id for g in inp.adgroups for ad in g.ads if ad.video_id})
        image_ids = sorted({i for g in inp.adgroups for ad in g.ads for i in ad.image_ids})
        tiktok, adv = self.deps.tiktok, inp.advertiser_id
        videos = await files.video_info(tiktok, adv, video_ids) if video_ids else []
        images = await files.image_info(tiktok, adv, image_ids) if image_ids else []
        facts = {
            v.video_id: CreativeFacts("video", v.duration, v.size, v.format, v.width, v.height)
            for v in videos
        }
        facts |= {
            i.image_id: CreativeFacts("image", None, i.size, i.format, i.width, i.height) for i in images
        }
        violations = check_launch(inp, LaunchContext(monthly_budget=budget, creatives=facts))
        violations += _missing_files(inp)
        if inp.requester not in launchers:
            violations.insert(
                0,
                Violation(
                    field="requester",
                    rule="rbac",
                    message=f"{inp.requester} is not an Operator or Admin of advertiser {adv}'s tenant",
                ),
            )
        if inp.approval_policy != "none":
            needed = 2 if inp.approval_policy == "two_stage" else 1
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
        return LaunchPlan(
            violations=violations, approvers=approvers, recommendation=await self._recommend(inp)
        )

    async def _recommend(self, inp: CampaignLaunchInput) -> Recommendation:
        async with self.deps.store.session() as session:
            bids = (
                (
                    await session.execute(
                        select(AdGroupRow.bid_type).where(col(AdGroupRow.advertiser_id) == inp.advertiser_id)
                    )
                )
                .scalars()
                .all()
            )
        share = sum(1 for b in bids if b == "BID_TYPE_CUSTOM") / len(bids) if bids else 0.0
        return recommend(inp, past_adgroups=len(bids), past_cost_cap_share=share)

    @activity.defn(name=names.RESOLVE_TEMPLATE)
    async def resolve_template(self, raw: dict[str, Any]) -> CampaignLaunchInput:
        """The saved template deep-merged with the request's fields, validated."""
        name = str(raw.get("template"))
        async with self.deps.store.session() as session:
            body = (await templates.get_template(session, name)).body
        return validated_input(CampaignLaunchInput, templates.merge(body, raw), source=f"template {name!r}")

    @activity.defn(name=names.NOTIFY)
    async def notify(self, notice: Notice) -> bool:
        """Record a message for people; the alerts issue delivers it to Slack / e-mail."""
        info = activity.info()
        row = NotificationRow(workflow_id=info.workflow_id, **notice.model_dump())
        async with self.deps.store.session() as session:
            written = await access.notify(session, row)
        activity.logger.info("notice %s to %s: %s", notice.kind, ",".join(notice.recipients), notice.subject)
        return written

    @activity.defn(name=names.CREATE_CAMPAIGN)
    async def create_campaign(self, step: CreateStep) -> EntityChange:
        assert step.campaign is not None
        c = step.campaign
        body = {
            "campaign_name": c.campaign_name,
            "objective_type": c.objective_type,
            "budget_mode": c.budget_mode,
            "budget": c.budget,
            "operation_status": "DISABLE",
        }
        return await self._create(
            step, "campaign", body, "launch: create campaign (disabled until all is built)"
        )

    @activity.defn(name=names.CREATE_ADGROUP)
    async def create_adgroup(self, step: CreateStep) -> EntityChange:
        assert step.adgroup is not None and step.parent_id is not None
        return await self._create(
            step, "adgroup", adgroup_body(step.adgroup, step.parent_id), "launch: create ad group"
        )

    @activity.defn(name=names.CREATE_AD)
    async def create_ad(self, step: CreateStep) -> EntityChange:
        assert step.ad is not None and step.parent_id is not None
        return await self._create(step, "ad", ad_body(step.ad, step.parent_id), "launch: create ad")

    async def _create(
        self, step: CreateStep, entity_type: str, body: dict[str, Any], reason: str
    ) -> EntityChange:
        kind = KINDS[entity_type]
        body = {k: v for k, v in body.items() if v is not None}
        made = await create_or_get(self.deps.tiktok, kind, step.advertiser_id, body, idempotency_key=step.key)
        entity_id = str(getattr(made.entity, kind.id_field))
        change = EntityChange(
            entity_type=entity_type,
            entity_id=entity_id,
            before=None,
            after=_snapshot(made.entity),
            reason=reason,
            actor=step.actor,
            key=step.key,
        )
        await changes.record(self.deps.store, step.advertiser_id, change)
        return change

    @activity.defn(name=names.SET_STATUS)
    async def set_status(self, req: StatusChange) -> list[EntityChange]:
        """Enable, pause or delete objects, 20 ids per call, recording before and after."""
        kind = KINDS[req.entity_type]
        tiktok, adv = self.deps.tiktok, req.advertiser_id
        done: list[EntityChange] = []
        for start in range(0, len(req.ids), MAX_IDS_PER_STATUS_CALL):
            batch = req.ids[start : start + MAX_IDS_PER_STATUS_CALL]
            before = {i: _snapshot(await get_by_id(tiktok, kind, adv, i)) for i in batch}
            body = {"advertiser_id": adv, kind.ids_filter: batch, "operation_status": req.operation_status}
            await tiktok.post(
                STATUS_PATHS[req.entity_type],
                advertiser_id=adv,
                body=body,
                idempotency_key=f"{req.key}/{start}",
            )
            for i in batch:
                after = {**before[i], "operation_status": req.operation_status}
                if req.operation_status != "DELETE":
                    after = _snapshot(await get_by_id(tiktok, kind, adv, i))
                change = EntityChange(
                    entity_type=req.entity_type,
                    entity_id=i,
                    before=before[i],
                    after=after,
                    reason=req.reason,
                    actor=req.actor,
                    key=f"{req.key}/{i}",
                )
                await changes.record(self.deps.store, adv, change)
                done.append(change)
        return done


def _missing_files(inp: CampaignLaunchInput) -> list[Violation]:
    """Creative files to upload must be readable by the worker."""
    out = []
    for i, g in enumerate(inp.adgroups):
        for j, ad in enumerate(g.ads):
            for kind, _url, path in ad.uploads():
                if path and not Path(path).is_file():
                    field = f"adgroups[{i}].ads[{j}].{kind}_path{'s' if kind == 'image' else ''}"
                    out.append(
                        Violation(field=field, rule="creative_file", message=f"{path} is not a readable file")
                    )
    return out


def adgroup_body(g: AdGroupSpec, campaign_id: str) -> dict[str, Any]:
    """TikTok's ``adgroup/create/`` fields for an ad group spec, created disabled."""
    return {
        "campaign_id": campaign_id,
        "adgroup_name": g.adgroup_name,
        "placement_type": g.placement_type,
        "placements": g.placements or None,
        "location_ids": g.location_ids,
        "age_groups": g.age_groups or None,
        "gender": g.gender,
        "budget_mode": g.budget_mode,
        "budget": g.budget,
        "schedule_type": g.schedule_type,
        "schedule_start_time": g.schedule_start_time,
        "schedule_end_time": g.schedule_end_time,
        "dayparting": g.dayparting,
        "optimization_goal": g.optimization_goal,
        "billing_event": g.billing_event,
        "bid_type": "BID_TYPE_CUSTOM" if g.bid_strategy == "cost_cap" else "BID_TYPE_NO_BID",
        "conversion_bid_price": g.conversion_bid_price if g.bid_strategy == "cost_cap" else None,
        "pacing": g.pacing,
        "operation_status": "DISABLE",
    }


def ad_body(ad: AdSpec, adgroup_id: str) -> dict[str, Any]:
    return {
        "adgroup_id": adgroup_id,
        "ad_name": ad.ad_name,
        "ad_format": ad.ad_format,
        "ad_text": ad.ad_text,
        "video_id": ad.video_id,
        "image_ids": list(ad.image_ids) or None,
        "call_to_action": ad.call_to_action,
        "landing_page_url": str(ad.landing_page_url),
        "display_name": ad.display_name,
        "operation_status": "DISABLE",
    }
