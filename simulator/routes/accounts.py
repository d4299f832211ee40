"""Advertiser accounts: ``advertiser/info/``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from simulator.api import ApiContext, endpoint

router = APIRouter()

HIDDEN = {"long_term_token", "monthly_budget"}


def select(record: dict[str, Any], fields: list[Any] | None) -> dict[str, Any]:
    """Only the requested ``fields`` (all when None); unknown field names are ignored."""
    if not fields:
        return record
    return {k: v for k, v in record.items() if k in fields}


@endpoint(router, "GET", "advertiser/info/", advertiser="advertiser_ids")
async def advertiser_info(ctx: ApiContext) -> dict[str, Any]:
    """Account details (balance falls as the simulated auction spends)."""
    ids = ctx.params.id_list("advertiser_ids", required=True, max_len=100) or []
    fields = ctx.params.list_of("fields")
    items = []
    for advertiser_id in ids:
        record = ctx.state.advertisers.get(advertiser_id)
        if record is None:
            continue
        public = {k: v for k, v in record.items() if k not in HIDDEN}
        public["balance"] = round(ctx.state.balances.get(advertiser_id, 0.0), 2)
        items.append(select(public, fields))
    return {"list": items}
