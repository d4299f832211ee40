"""Create-or-get: campaigns, ad groups and ads are created exactly once per idempotency key.

TikTok does not promise to honour an idempotency header, so the key is also carried in
the object's name as a short tag (`` [ttads:3f9a2c1b0e]``). Before creating, and again
after an ambiguous failure (a timeout or reset after the request was sent), the helper
looks the object up by that tagged name; only when it is absent does it create.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from connector.client import TikTokClient
from connector.errors import Transient
from connector.management import list_all
from models.tiktok import Ad, AdGroup, Campaign

M = TypeVar("M", bound=BaseModel)
MAX_NAME = 512


def key_tag(idempotency_key: str) -> str:
    """A short, stable tag for a key (10 hex digits of its SHA-256)."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:10]


def tagged_name(name: str, idempotency_key: str, max_len: int = MAX_NAME) -> str:
    suffix = f" [ttads:{key_tag(idempotency_key)}]"
    return name[: max_len - len(suffix)] + suffix


@dataclass(frozen=True)
class Kind(Generic[M]):
    label: str
    create_path: str
    get_path: str
    id_field: str
    ids_filter: str
    name_field: str
    parent_field: str | None
    parent_filter: str | None
    model: type[M]


CAMPAIGN = Kind("campaign", "campaign/create/", "campaign/get/", "campaign_id", "campaign_ids",
                "campaign_name", None, None, Campaign)  # fmt: skip
ADGROUP = Kind("ad group", "adgroup/create/", "adgroup/get/", "adgroup_id", "adgroup_ids",
               "adgroup_name", "campaign_id", "campaign_ids", AdGroup)  # fmt: skip
AD = Kind("ad", "ad/create/", "ad/get/", "ad_id", "ad_ids", "ad_name", "adgroup_id", "adgroup_ids", Ad)


@dataclass(frozen=True)
class Created(Generic[M]):
    """The object, and whether this call created it (False: it already existed)."""

    entity: M
    created: bool


async def find_tagged(
    client: TikTokClient, kind: Kind[M], advertiser_id: str, name: str, parent_id: str | None
) -> M | None:
    """The live object whose name is exactly ``name`` (under ``parent_id``), if any."""
    filtering: dict[str, Any] = {kind.name_field: name}
    if kind.parent_filter and parent_id:
        filtering[kind.parent_filter] = [parent_id]
    found = await list_all(client, kind.get_path, advertiser_id, kind.model, params={"filtering": filtering})
    exact = [item for item in found if getattr(item, kind.name_field) == name]
    return exact[0] if exact else None


async def get_by_id(client: TikTokClient, kind: Kind[M], advertiser_id: str, object_id: str) -> M:
    found = await list_all(
        client, kind.get_path, advertiser_id, kind.model, params={"filtering": {kind.ids_filter: [object_id]}}
    )
    if not found:
        raise Transient(
            f"{kind.label} {object_id} was created but is not readable yet", endpoint=kind.get_path
        )
    return found[0]


async def create_or_get(
    client: TikTokClient, kind: Kind[M], advertiser_id: str, body: dict[str, Any], *, idempotency_key: str
) -> Created[M]:
    """Create the object described by ``body`` once for ``idempotency_key``.

    ``body`` uses TikTok's create fields; for ads, pass one creative's fields plus
    ``adgroup_id`` (the helper wraps them in ``creatives``).
    """
    name = tagged_name(str(body[kind.name_field]), idempotency_key)
    parent_id = str(body[kind.parent_field]) if kind.parent_field else None
    existing = await find_tagged(client, kind, advertiser_id, name, parent_id)
    if existing is not None:
        return Created(existing, created=False)
    request = _request_body(kind, advertiser_id, {**body, kind.name_field: name})
    try:
        data = await client.post(
            kind.create_path, advertiser_id=advertiser_id, body=request, idempotency_key=idempotency_key
        )
    except Transient as exc:
        if not exc.sent:
            raise
        # Ambiguous: TikTok may have created it before the answer was lost.
        existing = await find_tagged(client, kind, advertiser_id, name, parent_id)
        if existing is not None:
            return Created(existing, created=False)
        raise
    new_id = _created_id(kind, data)
    return Created(await get_by_id(client, kind, advertiser_id, new_id), created=True)


def _request_body(kind: Kind[Any], advertiser_id: str, body: dict[str, Any]) -> dict[str, Any]:
    if kind is AD:
        creative = {k: v for k, v in body.items() if k != "adgroup_id"}
        return {"advertiser_id": advertiser_id, "adgroup_id": body["adgroup_id"], "creatives": [creative]}
    return {"advertiser_id": advertiser_id, **body}


def _created_id(kind: Kind[Any], data: Any) -> str:
    if kind is AD:
        return str((data or {}).get("ad_ids", [None])[0])
    return str((data or {})[kind.id_field])
