"""Custom audiences: ``dmp/custom_audience/*`` (customer files) and ``segment/*`` (streaming).

Customer file: upload a file of hashed identifiers (multipart, MD5 signature), then create an
audience from up to 50 uploaded files or update one with APPEND, REMOVE or REPLACE; list,
get and delete. Streaming (the partner-segment API): ``segment/audience/`` creates or deletes
a segment audience, ``segment/mapping/`` adds or deletes identifiers in batches whose rows
line up with ``id_schema``. Members live in ``simulator.audiences.AudienceBook``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter

from simulator import errors
from simulator.api import ApiContext, endpoint, paginate
from simulator.audiences import CALCULATE_TYPES, ID_SCHEMAS, Audience, BelowMinimum, well_formed
from simulator.errors import ApiError, missing, param_error
from simulator.params import as_id, check_enum, check_list

router = APIRouter()

CALCULATE_TYPE_ERROR = 40909  # TikTok's answer to a calculate_type it does not know
AUDIENCE_LIMIT = 40002
MAX_NAME = 128


def _book(ctx: ApiContext) -> Any:
    return ctx.sim.audiences


def _owned(ctx: ApiContext, audience_id: str, advertiser_ids: list[str]) -> Audience:
    audience: Audience | None = _book(ctx).get(audience_id)
    if audience is None or audience.advertiser_id not in advertiser_ids:
        raise ApiError(errors.NOT_EXIST, f"The custom audience {audience_id} does not exist.")
    return audience


def _calculate_type(ctx: ApiContext) -> str:
    value = ctx.params.req_str("calculate_type")
    if value not in CALCULATE_TYPES:
        raise ApiError(CALCULATE_TYPE_ERROR, f"calculate_type: {value} is not a supported type.")
    return value


def _room_for_one_more(ctx: ApiContext) -> None:
    limit = _book(ctx).limits.max_audiences
    if _book(ctx).count(ctx.advertiser_id) >= limit:
        raise ApiError(AUDIENCE_LIMIT, f"The advertiser already has {limit} custom audiences, the maximum.")


def _file_paths(ctx: ApiContext, calculate_type: str | None, *, required: bool) -> list[str] | None:
    limit = _book(ctx).limits.max_files_per_request
    paths = ctx.params.list_of("file_paths", required=required, min_len=1 if required else 0, max_len=limit)
    if paths is None:
        return None
    for path in paths:
        upload = _book(ctx).upload(str(path))
        if upload is None or upload[0] != ctx.advertiser_id:
            raise param_error("file_paths", f"The file {path} does not exist.")
        if calculate_type is not None and upload[1] != calculate_type:
            raise param_error("file_paths", f"The file {path} holds {upload[1]}, not {calculate_type}.")
    return [str(p) for p in paths]


@endpoint(router, "POST", "dmp/custom_audience/file/upload/", mutating=True)
async def upload_file(ctx: ApiContext) -> dict[str, Any]:
    """Upload a customer file (.csv/.txt, one hashed identifier per line)."""
    upload = ctx.files.get("file")
    if upload is None:
        raise missing("file")
    calculate_type = _calculate_type(ctx)
    data = await upload.read()
    if not data:
        raise ApiError(errors.FILE_EMPTY, "The file is empty.")
    if len(data) > _book(ctx).limits.max_file_bytes:
        raise ApiError(errors.FILE_TOO_LARGE, "The file is too large.")
    name = upload.filename or ""
    if not name.lower().endswith((".csv", ".txt")):
        raise ApiError(errors.FILE_TYPE_ERROR, "Only .csv and .txt files are accepted.")
    if ctx.params.req_str("file_signature").lower() != hashlib.md5(data).hexdigest():
        raise ApiError(errors.SIGNATURE_ERROR, "The file_signature does not match the file.")
    file_path = f"dmp/{ctx.advertiser_id}/{ctx.state.next_hash('audience-file', 32)}.txt"
    _book(ctx).store_upload(file_path, ctx.advertiser_id, calculate_type, data)
    return {"file_path": file_path}


@endpoint(router, "POST", "dmp/custom_audience/create/", mutating=True)
async def create_audience(ctx: ApiContext) -> dict[str, Any]:
    """Create a customer-file audience from uploaded files."""
    name = ctx.params.req_str("custom_audience_name", max_len=MAX_NAME)
    calculate_type = _calculate_type(ctx)
    paths = _file_paths(ctx, calculate_type, required=True) or []
    retention = ctx.params.integer("retention_in_days", default=365, minimum=1, maximum=365)
    ctx.params.enum("audience_sub_type", ("NORMAL", "REACH_FREQUENCY"), default="NORMAL")
    _room_for_one_more(ctx)
    audience_id = ctx.state.next_id("audience")
    book = _book(ctx)
    book.create(audience_id, ctx.advertiser_id, name, "file", calculate_type, retention)
    # A new audience may start small: TikTok refuses only to target it until it grows.
    book.apply_files(audience_id, paths, "APPEND", enforce_minimum=False)
    return {"custom_audience_id": audience_id}


@endpoint(router, "POST", "dmp/custom_audience/update/", mutating=True)
async def update_audience(ctx: ApiContext) -> dict[str, Any]:
    """Rename an audience and/or APPEND, REMOVE or REPLACE members from uploaded files."""
    audience = _owned(ctx, ctx.params.req_str("custom_audience_id"), [ctx.advertiser_id])
    if audience.kind != "file":
        raise param_error("custom_audience_id", "Only customer-file audiences are updated with files.")
    name = ctx.params.string("custom_audience_name", max_len=MAX_NAME)
    paths = _file_paths(ctx, audience.calculate_type, required=False)
    action = ctx.params.enum("action", ("APPEND", "REMOVE", "REPLACE"), default="REPLACE") or "REPLACE"
    if name is None and paths is None:
        raise param_error("file_paths", "Give custom_audience_name or file_paths.")
    book = _book(ctx)
    if paths:
        limit = book.limits.max_files_per_audience
        if audience.files + len(paths) > limit:
            raise param_error("file_paths", f"An audience takes at most {limit} files.")
        try:
            book.apply_files(audience.audience_id, paths, action)
        except BelowMinimum as exc:
            raise param_error(
                "action",
                f"The audience would have {exc.size} matched members after {action}; "
                f"the minimum is {book.limits.min_size}.",
            ) from exc
    if name is not None:
        book.rename(audience.audience_id, name)
    return {"custom_audience_id": audience.audience_id}


@endpoint(router, "POST", "dmp/custom_audience/delete/", mutating=True)
async def delete_audiences(ctx: ApiContext) -> dict[str, Any]:
    """Delete 1-100 audiences."""
    ids = ctx.params.id_list("custom_audience_ids", required=True, max_len=100) or []
    for audience_id in ids:
        _owned(ctx, audience_id, [ctx.advertiser_id])
    for audience_id in ids:
        _book(ctx).delete(audience_id)
    return {}


@endpoint(router, "GET", "dmp/custom_audience/list/")
async def list_audiences(ctx: ApiContext) -> dict[str, Any]:
    """The advertiser's audiences, 1-100 per page."""
    book = _book(ctx)
    wanted = ctx.params.id_list("custom_audience_ids", max_len=100)
    audiences = [
        a for a in book.of_advertiser(ctx.advertiser_id) if wanted is None or a.audience_id in wanted
    ]
    page = paginate(audiences, ctx.params, default_size=10, max_size=100)
    page["list"] = [book.view(a) for a in page["list"]]
    return page


@endpoint(router, "GET", "dmp/custom_audience/get/")
async def get_audiences(ctx: ApiContext) -> dict[str, Any]:
    """Details of 1-100 audiences, with their size (``cover_num``)."""
    ids = ctx.params.id_list("custom_audience_ids", required=True, max_len=100) or []
    book = _book(ctx)
    return {
        "list": [
            {"audience_details": book.view(_owned(ctx, a, [ctx.advertiser_id])), "audience_history": []}
            for a in ids
        ]
    }


@endpoint(router, "POST", "segment/audience/", mutating=True)
async def segment_audience(ctx: ApiContext) -> dict[str, Any]:
    """Create (``action=create``) or delete (``action=delete``) a streaming segment audience."""
    action = ctx.params.enum("action", ("create", "delete", "update"), required=True)
    book = _book(ctx)
    if action == "create":
        name = ctx.params.req_str("custom_audience_name", max_len=70)
        _room_for_one_more(ctx)
        audience_id = ctx.state.next_id("audience")
        book.create(audience_id, ctx.advertiser_id, name, "segment", None)
        return {"audience_id": audience_id}
    field = "audience_id" if ctx.params.has("audience_id") else "delete_audience_id"
    audience = _owned(ctx, ctx.params.req_str(field), [ctx.advertiser_id])
    if audience.kind != "segment":
        raise param_error(field, "Not a segment audience.")
    if action == "update":
        book.rename(audience.audience_id, ctx.params.req_str("custom_audience_name", max_len=70))
    else:
        book.delete(audience.audience_id)
    return {"audience_id": audience.audience_id}


@endpoint(router, "POST", "segment/mapping/", advertiser="advertiser_ids", mutating=True)
async def segment_mapping(ctx: ApiContext) -> dict[str, Any]:
    """Add or delete identifiers: ``batch_data`` rows line up with ``id_schema`` by position."""
    advertisers = ctx.params.id_list("advertiser_ids", required=True, max_len=100) or []
    action = ctx.params.enum("action", ("add", "delete"), required=True)
    schema = ctx.params.list_of("id_schema", required=True, min_len=1, max_len=len(ID_SCHEMAS)) or []
    for item in schema:
        check_enum("id_schema", item, ID_SCHEMAS)
    book = _book(ctx)
    rows = ctx.params.list_of("batch_data", required=True, min_len=1, max_len=book.limits.mapping_batch_max)
    by_audience: dict[str, list[str]] = {}
    for r, row in enumerate(rows or []):
        cells = check_list(f"batch_data[{r}]", row, min_len=len(schema), max_len=len(schema))
        for c, cell in enumerate(cells):
            if cell in ({}, None):
                continue
            where = f"batch_data[{r}][{c}]"
            if not isinstance(cell, dict) or not isinstance(cell.get("id"), str):
                raise param_error(where, "Each cell is {} or {id, audience_ids}.")
            value = cell["id"].lower()
            if not well_formed(value, str(schema[c])):
                raise param_error(f"{where}.id", f"Not a {schema[c]} hash.")
            ids = check_list(f"{where}.audience_ids", cell.get("audience_ids"), min_len=1, max_len=50)
            for audience_id in ids:
                by_audience.setdefault(as_id(f"{where}.audience_ids", audience_id), []).append(value)
    for audience_id in by_audience:
        if _owned(ctx, audience_id, advertisers).kind != "segment":
            raise param_error("audience_ids", f"{audience_id} is not a segment audience.")
    for audience_id, values in by_audience.items():
        if action == "add":
            book.add_members(audience_id, values)
        else:
            book.remove_members(audience_id, values)
    return {}
