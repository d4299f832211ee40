"""What campaigns, ad groups and ads share: ``*/get/``, ``*/status/update/`` and lookups.

``*/get/`` filters by ids (1-100 per list, inside ``filtering`` or as top-level params),
name (substring), objective, statuses and creation time; deleted objects are hidden unless
a ``secondary_status`` (``*_STATUS_ALL``, ``*_STATUS_DELETE``) or ``primary_status``
(``STATUS_ALL``, ``STATUS_DELETE``) filter asks for them, as Airbyte's use of
``AD_STATUS_ALL`` shows TikTok does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from simulator import errors
from simulator.api import ApiContext, Handler, endpoint, paginate
from simulator.entities import is_deleted, primary_status, public_view, secondary_status
from simulator.enums import OBJECTIVE_TYPES, OPERATION_STATUSES, PRIMARY_STATUSES
from simulator.errors import ApiError, param_error
from simulator.params import check_enum, id_filter
from simulator.state import parse_time

router = APIRouter()


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    id_field: str
    ids_field: str
    name_field: str
    status_prefix: str
    id_filters: tuple[str, ...]


CAMPAIGN = Kind("campaign", "campaign", "campaign_id", "campaign_ids", "campaign_name", "CAMPAIGN_STATUS_",
                ("campaign_ids",))  # fmt: skip
ADGROUP = Kind("adgroup", "ad group", "adgroup_id", "adgroup_ids", "adgroup_name", "ADGROUP_STATUS_",
               ("adgroup_ids", "campaign_ids"))  # fmt: skip
AD = Kind("ad", "ad", "ad_id", "ad_ids", "ad_name", "AD_STATUS_", ("ad_ids", "adgroup_ids", "campaign_ids"))
KINDS = {k.name: k for k in (CAMPAIGN, ADGROUP, AD)}
CHILDREN = {"campaign": ("adgroup", "ad"), "adgroup": ("ad",), "ad": ()}


def owned(ctx: ApiContext, kind: Kind, object_id: str) -> dict[str, Any]:
    """The advertiser's object, or 40007 when it does not exist (for this advertiser)."""
    record = ctx.state.entity_table(kind.name).get(object_id)
    if record is None or record["advertiser_id"] != ctx.advertiser_id:
        raise ApiError(errors.NOT_EXIST, f"The {kind.label} {object_id} does not exist.")
    return record


def alive(ctx: ApiContext, kind: Kind, object_id: str, field: str) -> dict[str, Any]:
    """``owned`` and not deleted (a deleted object cannot be changed or used as a parent)."""
    record = owned(ctx, kind, object_id)
    if is_deleted(ctx.state, kind.name, record):
        raise param_error(field, f"The {kind.label} {object_id} has been deleted and cannot be modified.")
    return record


def select(view: dict[str, Any], fields: list[Any] | None) -> dict[str, Any]:
    if not fields:
        return view
    return {k: v for k, v in view.items() if k in fields}


def _filtering(ctx: ApiContext, kind: Kind) -> dict[str, Any]:
    raw = ctx.params.obj("filtering")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise param_error("filtering", "Not a valid JSON object.")
    filtering = dict(raw)
    for name in (*kind.id_filters, "primary_status", "secondary_status"):
        if name not in filtering and ctx.params.has(name):  # top-level / repeated-key form
            filtering[name] = ctx.params.list_of(name) if name.endswith("_ids") else ctx.params.string(name)
    return filtering


def _status_matcher(kind: Kind, filtering: dict[str, Any]) -> Any:
    secondary = filtering.get("secondary_status")
    primary = filtering.get("primary_status")
    if secondary is not None and (
        not isinstance(secondary, str) or not secondary.startswith(kind.status_prefix)
    ):
        raise param_error("filtering.secondary_status", f"Must be a {kind.status_prefix}* value.")
    if primary is not None:
        check_enum("filtering.primary_status", primary, PRIMARY_STATUSES)

    def matches(status: str) -> bool:
        deleted = status.endswith("_DELETE")
        wanted = secondary or primary
        if wanted is None:
            return not deleted
        if wanted.endswith("_ALL"):
            return True
        if wanted.endswith("_NOT_DELETE"):
            return not deleted
        if secondary is not None:
            return status == secondary
        return primary_status(status) == primary

    return matches


def _matching(ctx: ApiContext, kind: Kind) -> list[dict[str, Any]]:
    filtering = _filtering(ctx, kind)
    id_sets = {name: id_filter(filtering, name) for name in kind.id_filters}
    status_ok = _status_matcher(kind, filtering)
    name_part = filtering.get(kind.name_field)
    objective = filtering.get("objective_type")
    if objective is not None:
        check_enum("filtering.objective_type", objective, OBJECTIVE_TYPES)
    billing = filtering.get("billing_events")
    start, end = filtering.get("creation_filter_start_time"), filtering.get("creation_filter_end_time")
    try:
        since = parse_time(start) if start else None
        until = parse_time(end) if end else None
    except (TypeError, ValueError) as exc:
        raise param_error("filtering.creation_filter_start_time", "Use YYYY-MM-DD HH:MM:SS.") from exc
    out = []
    for record in ctx.state.entity_table(kind.name).values():
        if record["advertiser_id"] != ctx.advertiser_id:
            continue
        if any(ids is not None and str(record[name[:-1]]) not in ids for name, ids in id_sets.items()):
            continue
        if name_part and str(name_part).lower() not in str(record.get(kind.name_field, "")).lower():
            continue
        if (
            objective
            and ctx.state.campaigns.get(record["campaign_id"], {}).get("objective_type") != objective
        ):
            continue
        if billing and record.get("billing_event") not in billing:
            continue
        created = parse_time(record["create_time"])
        if (since and created < since) or (until and created > until):
            continue
        view = public_view(ctx.state, kind.name, record)
        if status_ok(view["secondary_status"]):
            out.append(view)
    out.sort(key=lambda v: (v["create_time"], v[kind.id_field]), reverse=True)
    return out


def get_handler(kind: Kind) -> Handler:
    async def handler(ctx: ApiContext) -> dict[str, Any]:
        fields = ctx.params.list_of("fields")
        data = paginate(_matching(ctx, kind), ctx.params, max_size=1000)
        data["list"] = [select(view, fields) for view in data["list"]]
        return data

    handler.__doc__ = f"List {kind.label}s with filtering, fields and pagination."
    return handler


def status_handler(kind: Kind) -> Handler:
    async def handler(ctx: ApiContext) -> dict[str, Any]:
        ids = ctx.params.id_list(kind.ids_field, required=True, max_len=20) or []
        status = ctx.params.enum("operation_status", OPERATION_STATUSES, required=True)
        records = []
        for object_id in ids:
            record = owned(ctx, kind, object_id)
            if record["operation_status"] == "DELETE":
                raise param_error(
                    kind.ids_field,
                    f"The {kind.label} {object_id} has been deleted; its status cannot be changed.",
                )
            records.append(record)
        now = ctx.state.now_str()
        for record in records:
            record["operation_status"] = status
            record["modify_time"] = now
            if status == "DELETE":
                for child in CHILDREN[kind.name]:
                    for other in ctx.state.entity_table(child).values():
                        if other.get(kind.id_field) == record[kind.id_field]:
                            other["operation_status"] = "DELETE"
                            other["modify_time"] = now
        return {
            kind.ids_field: ids,
            "status": status,
            f"{kind.name}_list": [
                {kind.id_field: r[kind.id_field], "status": status,
                 "secondary_status": secondary_status(ctx.state, kind.name, r)}
                for r in records
            ],
        }  # fmt: skip

    handler.__doc__ = f"Enable, disable or delete 1-20 {kind.label}s (deleted ones cannot change)."
    return handler


for _kind in KINDS.values():
    endpoint(router, "GET", f"{_kind.name}/get/")(get_handler(_kind))
    endpoint(router, "POST", f"{_kind.name}/status/update/", mutating=True)(status_handler(_kind))
