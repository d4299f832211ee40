"""Entity operations: create campaigns, ad groups and ads once; change statuses, budgets and
bids. Each reads the state before, makes the change through the connector, reads the state
after, and returns (and records in the change log) the :class:`EntityChange` records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from temporalio import activity

from activities import changes
from activities.context import Dependencies
from activities.interfaces import EntityOperations
from connector import entities
from connector.entities import AD, ADGROUP, CAMPAIGN, KINDS, Kind, ad_body, adgroup_body, campaign_body
from models.changes import ChangeSet, EntityChange
from models.entities import (
    CreateAdGroupInput,
    CreateAdInput,
    CreateCampaignInput,
    EntityStep,
    SetStatusInput,
    UpdateBidsInput,
    UpdateBudgetsInput,
)
from models.errors import InvalidInput
from store import claims

TRACKED = (
    "operation_status",
    "secondary_status",
    "budget",
    "bid_type",
    "conversion_bid_price",
    "bid_price",
    "campaign_name",
    "adgroup_name",
    "ad_name",
)


def snapshot(entity: BaseModel) -> dict[str, Any]:
    """The fields a change record keeps of an object: status, budget, bids, name."""
    data = entity.model_dump(mode="json")
    return {k: data[k] for k in TRACKED if data.get(k) is not None}


class EntityActivities(EntityOperations):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    @activity.defn
    async def create_campaign(self, inp: CreateCampaignInput) -> EntityChange:
        return await self._create(inp, CAMPAIGN, campaign_body(inp.campaign), parent_id=None)

    @activity.defn
    async def create_adgroup(self, inp: CreateAdGroupInput) -> EntityChange:
        return await self._create(inp, ADGROUP, adgroup_body(inp.adgroup, inp.campaign_id), inp.campaign_id)

    @activity.defn
    async def create_ad(self, inp: CreateAdInput) -> EntityChange:
        return await self._create(inp, AD, ad_body(inp.ad, inp.adgroup_id), inp.adgroup_id)

    async def _create(
        self, inp: EntityStep, kind: Kind[Any], body: dict[str, Any], parent_id: str | None
    ) -> EntityChange:
        """Create once: the recorded id wins; the names stay exactly as the operator typed them."""
        store, tiktok, adv = self.deps.store, self.deps.tiktok, inp.advertiser_id
        name = str(body[kind.name_field])
        async with store.session() as session:
            claim = await claims.get_claim(session, inp.key)
        if claim is None:
            same_name = await entities.named(tiktok, kind, adv, name, parent_id)
            foreign = [entities.entity_id(kind, x) for x in same_name]
            async with store.session() as session:
                claim = await claims.add_claim(
                    session,
                    key=inp.key,
                    advertiser_id=adv,
                    entity_type=kind.label,
                    name=name,
                    foreign_ids=foreign,
                )
        if kind is CAMPAIGN and claim.entity_id is None and claim.foreign_ids:
            raise InvalidInput(
                f"campaign_name: advertiser {adv} already has a campaign named {name!r} "
                f"(id {', '.join(claim.foreign_ids)}); choose another name"
            )
        made = await entities.create_or_get(
            tiktok,
            kind,
            adv,
            body,
            idempotency_key=inp.key,
            known_id=claim.entity_id,
            foreign_ids=claim.foreign_ids,
        )
        new_id = entities.entity_id(kind, made.entity)
        async with store.session() as session:
            await claims.record_created(session, inp.key, new_id)
        change = EntityChange(
            entity_type=kind.type_name,
            entity_id=new_id,
            before=None,
            after=snapshot(made.entity),
            reason=inp.reason or f"create {kind.label}",
            actor=inp.actor,
            key=inp.key,
        )
        return await changes.record(self.deps, adv, change)

    @activity.defn
    async def set_status(self, inp: SetStatusInput) -> ChangeSet:
        kind = KINDS[inp.entity_type]
        tiktok, adv = self.deps.tiktok, inp.advertiser_id
        before = await self._snapshots(kind, adv, inp.ids)
        await entities.set_status(tiktok, kind, adv, inp.ids, inp.operation_status, idempotency_key=inp.key)
        if inp.operation_status == "DELETE":  # deleted objects are no longer readable
            after = {i: {**before[i], "operation_status": "DELETE"} for i in inp.ids}
        else:
            after = await self._snapshots(kind, adv, inp.ids)
        return await self._record(inp, inp.entity_type, inp.ids, before, after)

    @activity.defn
    async def update_budgets(self, inp: UpdateBudgetsInput) -> ChangeSet:
        tiktok, adv = self.deps.tiktok, inp.advertiser_id
        groups = {b.entity_id: b.budget for b in inp.budgets if b.entity_type == "adgroup"}
        campaigns = {b.entity_id: b.budget for b in inp.budgets if b.entity_type == "campaign"}
        done = ChangeSet()
        if groups:
            before = await self._snapshots(ADGROUP, adv, list(groups))
            await entities.update_adgroup_budgets(tiktok, adv, groups, idempotency_key=f"{inp.key}/adgroups")
            after = await self._snapshots(ADGROUP, adv, list(groups))
            done.changes += (await self._record(inp, "adgroup", list(groups), before, after)).changes
        for campaign_id, budget in campaigns.items():
            before = await self._snapshots(CAMPAIGN, adv, [campaign_id])
            key = f"{inp.key}/campaign/{campaign_id}"
            await entities.update_campaign_budget(tiktok, adv, campaign_id, budget, idempotency_key=key)
            after = await self._snapshots(CAMPAIGN, adv, [campaign_id])
            done.changes += (await self._record(inp, "campaign", [campaign_id], before, after)).changes
        return done

    @activity.defn
    async def update_bids(self, inp: UpdateBidsInput) -> ChangeSet:
        tiktok, adv = self.deps.tiktok, inp.advertiser_id
        ids = [b.adgroup_id for b in inp.bids]
        before = await self._snapshots(ADGROUP, adv, ids)
        for bid in inp.bids:
            await entities.update_adgroup_bid(
                tiktok,
                adv,
                bid.adgroup_id,
                conversion_bid_price=bid.conversion_bid_price,
                bid_price=bid.bid_price,
                bid_type=bid.bid_type,
                idempotency_key=f"{inp.key}/{bid.adgroup_id}",
            )
        after = await self._snapshots(ADGROUP, adv, ids)
        return await self._record(inp, "adgroup", ids, before, after)

    async def _snapshots(self, kind: Kind[Any], adv: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = await entities.get_many(self.deps.tiktok, kind, adv, ids)
        by_id = {entities.entity_id(kind, x): snapshot(x) for x in found}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise InvalidInput(f"{kind.label} {', '.join(missing)} not found on advertiser {adv}")
        return by_id

    async def _record(
        self,
        inp: EntityStep,
        entity_type: str,
        ids: Sequence[str],
        before: dict[str, dict[str, Any]],
        after: dict[str, dict[str, Any]],
    ) -> ChangeSet:
        made = []
        for i in ids:
            was = before[i]
            planned = inp.expected_before.get(i)
            if planned and was == after[i]:  # made by an attempt that died before recording it
                was = {**was, **planned}
            made.append(
                EntityChange(
                    entity_type=entity_type,
                    entity_id=i,
                    before=was,
                    after=after[i],
                    reason=inp.reasons.get(i, inp.reason),
                    actor=inp.actor,
                    key=f"{inp.key}/{i}",
                )
            )
        return ChangeSet(changes=await changes.record_all(self.deps, inp.advertiser_id, made))
