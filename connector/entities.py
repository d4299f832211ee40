"""Campaigns, ad groups and ads: TikTok's wire format for creating and changing them.

Create-or-get makes a create happen once per idempotency key without touching the names
people see: the caller passes the id an earlier attempt recorded (``known_id``) and the
ids of same-named objects that existed before its first attempt (``foreign_ids``); an
object of that name under the same parent that is not foreign is the one an earlier,
unanswered attempt created. The key also travels as a header, which TikTok may ignore.
Status changes go out in TikTok's batches of 20 ids, ad group budgets many per call.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from connector.client import TikTokClient
from connector.errors import Transient
from connector.files import tagged_name
from connector.management import id_batches, list_all
from models.launch import AdGroupSpec, AdSpec, CampaignSpec
from models.tiktok import Ad, AdGroup, Campaign

M = TypeVar("M", bound=BaseModel)
MAX_NAME = 512
STATUS_BATCH = 20  # campaign/adgroup/ad status/update/ take 1-20 ids
BUDGET_BATCH = 100  # adgroup/budget/update/ items per call


@dataclass(frozen=True)
class Kind(Generic[M]):
    type_name: str  # as change records name it
    label: str  # as people read it
    create_path: str
    get_path: str
    status_path: str
    id_field: str
    ids_filter: str
    name_field: str
    parent_field: str | None
    parent_filter: str | None
    model: type[M]


CAMPAIGN = Kind(
    "campaign", "campaign", "campaign/create/", "campaign/get/", "campaign/status/update/",
    "campaign_id", "campaign_ids", "campaign_name", None, None, Campaign,
)  # fmt: skip
ADGROUP = Kind(
    "adgroup", "ad group", "adgroup/create/", "adgroup/get/", "adgroup/status/update/",
    "adgroup_id", "adgroup_ids", "adgroup_name", "campaign_id", "campaign_ids", AdGroup,
)  # fmt: skip
AD = Kind(
    "ad", "ad", "ad/create/", "ad/get/", "ad/status/update/",
    "ad_id", "ad_ids", "ad_name", "adgroup_id", "adgroup_ids", Ad,
)  # fmt: skip
KINDS: dict[str, Kind[Any]] = {"campaign": CAMPAIGN, "adgroup": ADGROUP, "ad": AD}


def legacy_tagged_name(name: str, idempotency_key: str) -> str:
    """The name earlier versions gave objects (the key's tag appended): an object carrying it
    was created for this key, whatever else is named alike."""
    return tagged_name(name, idempotency_key, max_len=MAX_NAME)


@dataclass(frozen=True)
class Created(Generic[M]):
    """The object, and whether this call created it (False: it already existed)."""

    entity: M
    created: bool


def entity_id(kind: Kind[Any], entity: BaseModel) -> str:
    return str(getattr(entity, kind.id_field))


async def _containing(
    client: TikTokClient, kind: Kind[M], advertiser_id: str, name: str, parent_id: str | None
) -> list[M]:
    """Live objects whose name contains ``name`` (under ``parent_id``): TikTok's name filter
    matches substrings, so a longer name (such as a legacy tag) comes back too."""
    filtering: dict[str, Any] = {kind.name_field: name}
    if kind.parent_filter and parent_id:
        filtering[kind.parent_filter] = [parent_id]
    return await list_all(client, kind.get_path, advertiser_id, kind.model, params={"filtering": filtering})


async def named(
    client: TikTokClient, kind: Kind[M], advertiser_id: str, name: str, parent_id: str | None
) -> list[M]:
    """Live objects named exactly ``name`` (under ``parent_id``)."""
    found = await _containing(client, kind, advertiser_id, name, parent_id)
    return [item for item in found if getattr(item, kind.name_field) == name]


async def get_by_id(client: TikTokClient, kind: Kind[M], advertiser_id: str, object_id: str) -> M:
    found = await get_many(client, kind, advertiser_id, [object_id])
    if not found:
        raise Transient(
            f"{kind.label} {object_id} was created but is not readable yet", endpoint=kind.get_path
        )
    return found[0]


async def get_many(client: TikTokClient, kind: Kind[M], advertiser_id: str, ids: Sequence[str]) -> list[M]:
    """The live objects with these ids (100 per filter), in no particular order."""
    out: list[M] = []
    for batch in id_batches(ids):
        params = {"filtering": {kind.ids_filter: batch}}
        out.extend(await list_all(client, kind.get_path, advertiser_id, kind.model, params=params))
    return out


async def list_children(client: TikTokClient, kind: Kind[M], advertiser_id: str, parent_id: str) -> list[M]:
    """The live objects of ``kind`` under ``parent_id`` (the ads of an ad group...)."""
    assert kind.parent_filter is not None
    params = {"filtering": {kind.parent_filter: [parent_id]}}
    return await list_all(client, kind.get_path, advertiser_id, kind.model, params=params)


async def find_own(
    client: TikTokClient,
    kind: Kind[M],
    advertiser_id: str,
    name: str,
    parent_id: str | None,
    *,
    idempotency_key: str,
    foreign_ids: Collection[str],
) -> M | None:
    """The object an earlier attempt for this key created: named ``name`` and not foreign, or
    carrying the key's legacy tag."""
    legacy = legacy_tagged_name(name, idempotency_key)
    for item in await _containing(client, kind, advertiser_id, name, parent_id):
        item_name = getattr(item, kind.name_field)
        if item_name == legacy or (item_name == name and entity_id(kind, item) not in foreign_ids):
            return item
    return None


async def create_or_get(
    client: TikTokClient,
    kind: Kind[M],
    advertiser_id: str,
    body: dict[str, Any],
    *,
    idempotency_key: str,
    known_id: str | None = None,
    foreign_ids: Collection[str] = (),
) -> Created[M]:
    """Create the object described by ``body`` (TikTok's create fields; for ads one
    creative's fields plus ``adgroup_id``) once for ``idempotency_key``."""
    if known_id is not None:
        return Created(await get_by_id(client, kind, advertiser_id, known_id), created=False)
    name = str(body[kind.name_field])
    parent_id = str(body[kind.parent_field]) if kind.parent_field else None
    existing = await find_own(
        client, kind, advertiser_id, name, parent_id, idempotency_key=idempotency_key, foreign_ids=foreign_ids
    )
    if existing is not None:
        return Created(existing, created=False)
    request = _create_body(kind, advertiser_id, body)
    try:
        data = await client.post(
            kind.create_path, advertiser_id=advertiser_id, body=request, idempotency_key=idempotency_key
        )
    except Transient as exc:
        if not exc.sent:
            raise
        # Ambiguous: TikTok may have created it before the answer was lost.
        existing = await find_own(
            client,
            kind,
            advertiser_id,
            name,
            parent_id,
            idempotency_key=idempotency_key,
            foreign_ids=foreign_ids,
        )
        if existing is not None:
            return Created(existing, created=False)
        raise
    return Created(await get_by_id(client, kind, advertiser_id, _created_id(kind, data)), created=True)


def _create_body(kind: Kind[Any], advertiser_id: str, body: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in body.items() if v is not None}
    if kind is AD:
        creative = {k: v for k, v in body.items() if k != "adgroup_id"}
        return {"advertiser_id": advertiser_id, "adgroup_id": body["adgroup_id"], "creatives": [creative]}
    return {"advertiser_id": advertiser_id, **body}


def _created_id(kind: Kind[Any], data: Any) -> str:
    if kind is AD:
        return str((data or {}).get("ad_ids", [None])[0])
    return str((data or {})[kind.id_field])


async def set_status(
    client: TikTokClient,
    kind: Kind[Any],
    advertiser_id: str,
    ids: Sequence[str],
    operation_status: str,
    *,
    idempotency_key: str,
) -> None:
    """ENABLE / DISABLE / DELETE ``ids``, 20 per call (TikTok's limit)."""
    for start in range(0, len(ids), STATUS_BATCH):
        batch = list(ids[start : start + STATUS_BATCH])
        body = {"advertiser_id": advertiser_id, kind.ids_filter: batch, "operation_status": operation_status}
        await client.post(
            kind.status_path,
            advertiser_id=advertiser_id,
            body=body,
            idempotency_key=f"{idempotency_key}/{start}",
        )


async def update_adgroup_budgets(
    client: TikTokClient, advertiser_id: str, budgets: dict[str, float], *, idempotency_key: str
) -> None:
    """Set many ad groups' budgets with ``adgroup/budget/update/``, 100 per call."""
    items = [{"adgroup_id": k, "budget": v} for k, v in budgets.items()]
    for start in range(0, len(items), BUDGET_BATCH):
        await client.post(
            "adgroup/budget/update/",
            advertiser_id=advertiser_id,
            body={"advertiser_id": advertiser_id, "budget": items[start : start + BUDGET_BATCH]},
            idempotency_key=f"{idempotency_key}/{start}",
        )


async def update_campaign_budget(
    client: TikTokClient, advertiser_id: str, campaign_id: str, budget: float, *, idempotency_key: str
) -> None:
    await client.post(
        "campaign/update/",
        advertiser_id=advertiser_id,
        body={"advertiser_id": advertiser_id, "campaign_id": campaign_id, "budget": budget},
        idempotency_key=idempotency_key,
    )


async def update_adgroup_bid(
    client: TikTokClient,
    advertiser_id: str,
    adgroup_id: str,
    *,
    conversion_bid_price: float | None = None,
    bid_price: float | None = None,
    bid_type: str | None = None,
    idempotency_key: str,
) -> None:
    """Change an ad group's bid strategy (``bid_type``: Cost Cap or Maximum Delivery), its Cost
    Cap (``conversion_bid_price``) or ``bid_price``."""
    body: dict[str, Any] = {"advertiser_id": advertiser_id, "adgroup_id": adgroup_id}
    if bid_type is not None:
        body["bid_type"] = bid_type
    if conversion_bid_price is not None:
        body["conversion_bid_price"] = conversion_bid_price
    if bid_price is not None:
        body["bid_price"] = bid_price
    await client.post(
        "adgroup/update/", advertiser_id=advertiser_id, body=body, idempotency_key=idempotency_key
    )


def campaign_body(c: CampaignSpec) -> dict[str, Any]:
    """TikTok's ``campaign/create/`` fields for a campaign spec, created disabled."""
    return {
        "campaign_name": c.campaign_name,
        "objective_type": c.objective_type,
        "budget_mode": c.budget_mode,
        "budget": c.budget,
        "operation_status": "DISABLE",
    }


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
    """TikTok's ``ad/create/`` fields for one creative of an ad spec, created disabled."""
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
