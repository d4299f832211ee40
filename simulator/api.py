"""The request pipeline every ``/open_api/v1.3/`` endpoint goes through, and the envelope.

Order: parse parameters -> injected faults (latency, hang, 5xx, error code) -> ad reviews
now due are decided -> access token and advertiser permission -> rate limits -> idempotency
replay -> the handler -> persist -> delayed answer. Every answer is TikTok's envelope
``{code, message, request_id, data}`` with HTTP 200, errors included; only injected 5xx
faults and unknown paths use HTTP errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.datastructures import UploadFile

from simulator import errors
from simulator.core import Simulator
from simulator.errors import ApiError, param_error
from simulator.params import Params
from simulator.state import SimState, TokenRecord

log = logging.getLogger("simulator.api")

API_PREFIX = "/open_api/v1.3/"
IDEMPOTENCY_HEADER = "x-idempotency-key"
FAMILIES = {
    "oauth2/": "oauth",
    "advertiser/": "account",
    "campaign/": "management",
    "adgroup/": "management",
    "ad/": "management",
    "file/": "file",
    "report/task/": "report_task",
    "report/": "report",
    "dmp/": "audience",
    "segment/": "audience",
    "event/": "event",
}


def family_of(path: str) -> str:
    for prefix, family in FAMILIES.items():
        if path.startswith(prefix):
            return family
    return "other"


def new_request_id() -> str:
    """TikTok-style request id: UTC timestamp then random hex; unique per request."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:18].upper()


def envelope(code: int, message: str, request_id: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": request_id, "data": {} if data is None else data}


@dataclass
class ApiContext:
    """What a handler gets: the simulator, the parsed parameters and the caller's grant."""

    sim: Simulator
    request: Request
    params: Params
    path: str
    request_id: str
    grant: TokenRecord | None = None
    files: dict[str, UploadFile] = field(default_factory=dict)

    @property
    def state(self) -> SimState:
        return self.sim.state

    @property
    def advertiser_id(self) -> str:
        """The request's ``advertiser_id`` (the pipeline has checked it is present and authorised)."""
        return self.params.req_str("advertiser_id")

    def base_url(self) -> str:
        return str(self.request.base_url).rstrip("/")


Handler = Callable[[ApiContext], Awaitable[Any]]


async def parse_params(request: Request) -> tuple[Params, dict[str, UploadFile]]:
    if request.method == "GET":
        return Params.from_query(request.query_params.multi_items()), {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data") or content_type.startswith(
        "application/x-www-form-urlencoded"
    ):
        form = await request.form()
        values: dict[str, Any] = {}
        files: dict[str, UploadFile] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = value
            else:
                values[key] = value
        return Params(values, {k: [v] for k, v in values.items()}), files
    body = await request.body()
    if not body.strip():
        return Params({}), {}
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise ApiError(errors.PARAM_ERROR, "Request body is not valid JSON.") from exc
    if not isinstance(decoded, dict):
        raise ApiError(errors.PARAM_ERROR, "Request body must be a JSON object.")
    return Params(decoded), {}


def authenticate(sim: Simulator, request: Request) -> TokenRecord:
    token = request.headers.get("access-token", "").strip()
    if not token:
        raise ApiError(errors.TOKEN_EMPTY)
    grant = sim.state.tokens.get(token)
    if grant is None or grant.revoked:
        raise ApiError(errors.TOKEN_INVALID)
    if grant.expires_at is not None and sim.state.now >= grant.expires_at:
        raise ApiError(errors.TOKEN_EXPIRED)
    return grant


def authorise(grant: TokenRecord, params: Params, advertiser: str | None) -> list[str]:
    """The advertiser ids the request names, each of which the token must cover (else 40001)."""
    if advertiser is None:
        return []
    if advertiser == "advertiser_ids":
        ids = params.id_list("advertiser_ids", required=True, max_len=100) or []
    else:
        ids = [params.req_str("advertiser_id")]
    for advertiser_id in ids:
        if advertiser_id not in grant.advertiser_ids:
            raise ApiError(errors.NO_PERMISSION, f"No permission to operate advertiser {advertiser_id}.")
    return ids


async def run_pipeline(
    request: Request, path: str, handler: Handler, *, auth: bool, advertiser: str | None, mutating: bool
) -> Response:
    sim: Simulator = request.app.state.sim
    stats = sim.stats
    request_id = new_request_id()
    family = family_of(path)
    stats.requests[family] += 1
    stats.requests_by_path[path] += 1
    headers = {"X-Tt-Logid": request_id}

    def answer(code: int, message: str, data: Any = None) -> JSONResponse:
        stats.codes[str(code)] += 1
        return JSONResponse(envelope(code, message, request_id, data), headers=headers)

    try:
        params, files = await parse_params(request)
    except ApiError as exc:
        return answer(exc.code, exc.message)
    raw_advertiser = params.raw("advertiser_id")
    advertiser_key = str(raw_advertiser) if raw_advertiser not in (None, "") else None
    if advertiser_key:
        stats.requests_by_advertiser[advertiser_key] += 1
        stats.requests_by_advertiser_path[f"{advertiser_key} {path}"] += 1

    decision = sim.faults.decide(family, path, advertiser_key, request.method)
    for kind in decision.fired:
        stats.faults[kind] += 1
    if decision.sleep_before:
        await asyncio.sleep(decision.sleep_before)
    if decision.http_status is not None:
        stats.codes[f"http_{decision.http_status}"] += 1
        return PlainTextResponse("Service Unavailable", status_code=decision.http_status, headers=headers)
    if decision.code is not None:
        return answer(decision.code, decision.message or errors.default_message(decision.code))

    if sim.state.pending_reviews:  # verdicts due by now are visible to this request
        sim.settle_reviews()
    ctx = ApiContext(sim, request, params, path, request_id, files=files)
    try:
        if auth:
            ctx.grant = authenticate(sim, request)
            authorise(ctx.grant, params, advertiser)
        app_id = ctx.grant.app_id if ctx.grant else params.string("app_id")
        refusal = sim.limiter.check(family, app_id, advertiser_key)
        if refusal is not None:
            stats.throttled[family] += 1
            stats.throttled_by_scope[f"{refusal.scope}:{refusal.window}"] += 1
            code = errors.TOO_MANY_REQUESTS
            if refusal.scope == "advertiser":
                code = sim.state.limits.advertiser_error_code
            return answer(code, errors.default_message(code))
        key = _idempotency_key(request, path, params, mutating)
        cache_key = f"{path}|{key}" if key else None
        if key:
            stats.idempotency_keys[key] += 1
            if sim.state.idempotency and cache_key in sim.state.idempotency_cache:
                stats.idempotent_replays += 1
                return answer(errors.OK, "OK", sim.state.idempotency_cache[cache_key])
        data = await handler(ctx)
    except ApiError as exc:
        return answer(exc.code, exc.message)
    except Exception as exc:  # a simulator bug: answer like TikTok's system error, log loudly
        log.exception("handler %s failed", path)
        return answer(errors.SYSTEM_ERROR, f"System error ({type(exc).__name__}).")
    if mutating:
        if cache_key and sim.state.idempotency:
            sim.state.idempotency_cache[cache_key] = data
        sim.save()
    if decision.sleep_after:
        await asyncio.sleep(decision.sleep_after)
    return answer(errors.OK, "OK", data)


def _idempotency_key(request: Request, path: str, params: Params, mutating: bool) -> str | None:
    if not mutating:
        return None
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if not key and path == "adgroup/create/":
        key = params.string("request_id")
    return key or None


def endpoint(
    router: APIRouter,
    method: str,
    path: str,
    *,
    auth: bool = True,
    advertiser: str | None = "advertiser_id",
    mutating: bool = False,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` at ``/open_api/v1.3/<path>`` behind the pipeline."""

    def register(handler: Handler) -> Handler:
        async def route(request: Request) -> Response:
            return await run_pipeline(
                request, path, handler, auth=auth, advertiser=advertiser, mutating=mutating
            )

        route.__doc__ = handler.__doc__
        router.add_api_route(
            API_PREFIX + path, route, methods=[method], name=f"{method} {path}", summary=handler.__doc__
        )
        return handler

    return register


def paginate(
    items: Sequence[Any], params: Params, *, default_size: int = 10, max_size: int = 1000
) -> dict[str, Any]:
    """``{list, page_info}`` for one page of ``items`` (pages count from 1)."""
    page = params.integer("page", default=1, minimum=1)
    size = params.integer("page_size", default=default_size, minimum=1, maximum=max_size)
    total = len(items)
    start = (page - 1) * size
    return {
        "list": list(items[start : start + size]),
        "page_info": {
            "page": page,
            "page_size": size,
            "total_number": total,
            "total_page": math.ceil(total / size),
        },
    }


def require_known(value: str | None, known: dict[str, Any], field_name: str, what: str) -> dict[str, Any]:
    """The record ``known[value]`` or 40007 naming the missing object."""
    if value is None:
        raise param_error(field_name, "Missing data for required field.")
    if value not in known:
        raise ApiError(errors.NOT_EXIST, f"The {what} {value} does not exist.")
    record: dict[str, Any] = known[value]
    return record
