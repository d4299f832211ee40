"""Custom audiences: customer files (``dmp/custom_audience/*``) and streaming segments
(``segment/*``), and which audiences the account's ad groups target.

An audience is found by its name before one is created (the name is what a Treasure Data
job names it by), so a create repeated after a crash resolves to the first one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from connector.client import TikTokClient
from connector.management import id_batches, iter_pages
from models.tiktok import AdGroup

LIST_PAGE_SIZE = 100  # dmp/custom_audience/list/ takes 1-100
MAX_FILES_PER_REQUEST = 49  # file_paths per create/update request: TikTok documents "<50"


class CustomAudience(BaseModel):
    """An audience as ``dmp/custom_audience/list|get`` show it (size in ``cover_num``)."""

    model_config = ConfigDict(extra="allow")

    audience_id: str
    name: str = ""
    calculate_type: str | None = None
    audience_type: str | None = None
    cover_num: int | None = None
    is_valid: bool | None = None


async def list_audiences(client: TikTokClient, advertiser_id: str) -> list[CustomAudience]:
    out: list[CustomAudience] = []
    async for page in iter_pages(
        client,
        "dmp/custom_audience/list/",
        advertiser_id=advertiser_id,
        model=CustomAudience,
        page_size=LIST_PAGE_SIZE,
    ):
        out.extend(page)
    return out


async def find_by_name(client: TikTokClient, advertiser_id: str, name: str) -> str | None:
    """The id of the advertiser's (first) audience called ``name``, if there is one."""
    found = [a for a in await list_audiences(client, advertiser_id) if a.name == name]
    return found[0].audience_id if found else None


async def get_audiences(
    client: TikTokClient, advertiser_id: str, audience_ids: Sequence[str]
) -> list[CustomAudience]:
    out: list[CustomAudience] = []
    for batch in id_batches(audience_ids, 100):
        data = await client.get(
            "dmp/custom_audience/get/",
            params={"advertiser_id": advertiser_id, "custom_audience_ids": batch},
        )
        for item in (data or {}).get("list", []):
            out.append(CustomAudience.model_validate(item.get("audience_details", item)))
    return out


async def targeted_audience_ids(client: TikTokClient, advertiser_id: str) -> set[str]:
    """Audiences that an ad group (not deleted) targets or excludes."""
    out: set[str] = set()
    async for page in iter_pages(
        client, "adgroup/get/", advertiser_id=advertiser_id, model=AdGroup, page_size=1000
    ):
        for group in page:
            if group.operation_status == "DELETE":
                continue
            extra = group.model_extra or {}
            for key in ("audience_ids", "excluded_audience_ids"):
                out.update(str(a) for a in extra.get(key) or [])
    return out


async def upload_file(
    client: TikTokClient,
    advertiser_id: str,
    calculate_type: str,
    name: str,
    content: bytes,
    *,
    idempotency_key: str,
) -> str:
    """Upload one customer file (MD5-signed); TikTok's ``file_path`` for it."""
    data = await client.post_form(
        "dmp/custom_audience/file/upload/",
        fields={
            "advertiser_id": advertiser_id,
            "calculate_type": calculate_type,
            "file_signature": hashlib.md5(content).hexdigest(),
        },
        files={"file": (name, content, "text/csv")},
        advertiser_id=advertiser_id,
        idempotency_key=idempotency_key,
    )
    return str(data["file_path"])


async def create_audience(
    client: TikTokClient,
    advertiser_id: str,
    name: str,
    calculate_type: str,
    file_paths: Sequence[str],
    *,
    idempotency_key: str,
) -> str:
    data = await client.post(
        "dmp/custom_audience/create/",
        body={
            "advertiser_id": advertiser_id,
            "custom_audience_name": name,
            "calculate_type": calculate_type,
            "file_paths": list(file_paths),
        },
        idempotency_key=idempotency_key,
    )
    return str(data["custom_audience_id"])


async def update_audience(
    client: TikTokClient,
    advertiser_id: str,
    audience_id: str,
    action: str,
    file_paths: Sequence[str],
    *,
    idempotency_key: str,
) -> None:
    await client.post(
        "dmp/custom_audience/update/",
        body={
            "advertiser_id": advertiser_id,
            "custom_audience_id": audience_id,
            "action": action,
            "file_paths": list(file_paths),
        },
        idempotency_key=idempotency_key,
    )


async def delete_custom_audiences(
    client: TikTokClient, advertiser_id: str, audience_ids: Sequence[str], *, idempotency_key: str
) -> None:
    await client.post(
        "dmp/custom_audience/delete/",
        body={"advertiser_id": advertiser_id, "custom_audience_ids": list(audience_ids)},
        idempotency_key=idempotency_key,
    )


async def create_segment(client: TikTokClient, advertiser_id: str, name: str, *, idempotency_key: str) -> str:
    """A streaming (segment) audience; TikTok takes names up to 70 characters."""
    data = await client.post(
        "segment/audience/",
        body={"advertiser_id": advertiser_id, "action": "create", "custom_audience_name": name[:70]},
        idempotency_key=idempotency_key,
    )
    return str(data["audience_id"])


async def delete_segment(
    client: TikTokClient, advertiser_id: str, audience_id: str, *, idempotency_key: str
) -> None:
    await client.post(
        "segment/audience/",
        body={"advertiser_id": advertiser_id, "action": "delete", "audience_id": audience_id},
        idempotency_key=idempotency_key,
    )


async def map_segment(
    client: TikTokClient,
    advertiser_id: str,
    action: str,
    id_schema: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    audience_ids: Sequence[str],
    *,
    idempotency_key: str,
) -> None:
    """Add (``action="add"``) or delete identifiers: one row per person, cells by ``id_schema``."""
    batch: list[list[dict[str, Any]]] = [
        [{"id": cell, "audience_ids": list(audience_ids)} if cell else {} for cell in row] for row in rows
    ]
    await client.post(
        "segment/mapping/",
        body={
            "advertiser_ids": [advertiser_id],
            "action": action,
            "id_schema": list(id_schema),
            "batch_data": batch,
        },
        advertiser_id=advertiser_id,
        idempotency_key=idempotency_key,
    )
