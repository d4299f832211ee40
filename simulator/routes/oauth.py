"""OAuth: auth code -> token, refresh, revoke, the token's advertisers, and a consent page.

Tokens expire on the simulated clock (24 h access, 1 year refresh) unless every advertiser
in the grant has ``long_term_token: true``; then, as with TikTok's Marketing API today,
the access token never expires and no refresh token is issued (refresh -> 40107).
The refresh endpoint is the spec's flow: TikTok documents no Marketing-API refresh for
today's long-term tokens, so its codes follow TikTok's return-code page (40103 expired, 40107 invalid).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from simulator import errors
from simulator.api import ApiContext, endpoint
from simulator.errors import ApiError
from simulator.scenario import DEFAULT_SCOPE
from simulator.state import AuthCodeRecord, RefreshRecord, SimState, TokenRecord

router = APIRouter()

ACCESS_TTL = 86_400
REFRESH_TTL = 31_536_000


def check_app(state: SimState, app_id: str, secret: str) -> None:
    for app in state.scenario.apps:
        if app.app_id == app_id and app.secret == secret:
            return
    raise ApiError(errors.INVALID_APP, "The app_id or secret is invalid. Please check them and try again.")


def issue(state: SimState, app_id: str, advertiser_ids: list[str], scope: list[int]) -> dict[str, Any]:
    """Mint an access token (and a refresh token unless the grant is long-term)."""
    access = state.next_token("access")
    long_term = all(state.advertisers[a].get("long_term_token") for a in advertiser_ids)
    if long_term:
        state.tokens[access] = TokenRecord(app_id=app_id, advertiser_ids=advertiser_ids, scope=scope)
        return {"access_token": access, "advertiser_ids": advertiser_ids, "scope": scope}
    refresh = state.next_token("refresh")
    state.tokens[access] = TokenRecord(
        app_id=app_id,
        advertiser_ids=advertiser_ids,
        scope=scope,
        expires_at=state.now + timedelta(seconds=ACCESS_TTL),
    )
    state.refresh_tokens[refresh] = RefreshRecord(
        app_id=app_id,
        advertiser_ids=advertiser_ids,
        scope=scope,
        expires_at=state.now + timedelta(seconds=REFRESH_TTL),
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "access_token_expire_in": ACCESS_TTL,
        "refresh_token_expire_in": REFRESH_TTL,
        "advertiser_ids": advertiser_ids,
        "scope": scope,
    }


@endpoint(router, "POST", "oauth2/access_token/", auth=False, advertiser=None, mutating=True)
async def access_token(ctx: ApiContext) -> dict[str, Any]:
    """Exchange a single-use auth code (valid 1 h of simulated time) for tokens."""
    app_id = ctx.params.req_str("app_id")
    check_app(ctx.state, app_id, ctx.params.req_str("secret"))
    code = ctx.params.req_str("auth_code")
    record = ctx.state.auth_codes.get(code)
    expired = record is not None and record.expires_at is not None and ctx.state.now >= record.expires_at
    if record is None or record.used or expired or record.app_id != app_id:
        raise ApiError(
            errors.AUTH_CODE_INVALID,
            "The auth_code is invalid, has been used or has expired. Please re-authorize and try again.",
        )
    record.used = True
    return issue(ctx.state, app_id, record.advertiser_ids, record.scope)


@endpoint(router, "POST", "oauth2/refresh_token/", auth=False, advertiser=None, mutating=True)
async def refresh_token(ctx: ApiContext) -> dict[str, Any]:
    """Rotate tokens: the old refresh token stops working (40107 on reuse, 40103 once expired)."""
    app_id = ctx.params.req_str("app_id")
    check_app(ctx.state, app_id, ctx.params.req_str("secret"))
    token = ctx.params.req_str("refresh_token")
    record = ctx.state.refresh_tokens.get(token)
    if record is None or record.used or record.app_id != app_id:
        raise ApiError(errors.REFRESH_TOKEN_INVALID, "The refresh token is invalid or has already been used.")
    if record.expires_at is not None and ctx.state.now >= record.expires_at:
        raise ApiError(errors.REFRESH_TOKEN_EXPIRED, "The refresh token has expired. Please re-authorize.")
    record.used = True
    data = issue(ctx.state, app_id, record.advertiser_ids, record.scope)
    new_refresh = data.get("refresh_token")
    if new_refresh and record.expires_at is not None:  # the grant keeps its original 1-year horizon
        ctx.state.refresh_tokens[new_refresh].expires_at = record.expires_at
        data["refresh_token_expire_in"] = int((record.expires_at - ctx.state.now).total_seconds())
    return data


@endpoint(router, "POST", "oauth2/revoke_token/", auth=False, advertiser=None, mutating=True)
async def revoke_token(ctx: ApiContext) -> dict[str, Any]:
    """Revoke an access token (later calls with it get 40105)."""
    app_id = ctx.params.req_str("app_id")
    check_app(ctx.state, app_id, ctx.params.req_str("secret"))
    token = ctx.params.req_str("access_token")
    grant = ctx.state.tokens.get(token)
    if grant is None or grant.app_id != app_id:
        raise ApiError(errors.TOKEN_INVALID)
    grant.revoked = True
    return {"app_id": app_id, "advertiser_ids": grant.advertiser_ids}


@endpoint(router, "GET", "oauth2/advertiser/get/", advertiser=None)
async def authorized_advertisers(ctx: ApiContext) -> dict[str, Any]:
    """The advertisers the access token may operate."""
    assert ctx.grant is not None
    app_id = ctx.params.req_str("app_id")
    check_app(ctx.state, app_id, ctx.params.req_str("secret"))
    if app_id != ctx.grant.app_id:
        raise ApiError(errors.INVALID_APP, "The app_id is inconsistent with the token's app information.")
    items = [
        {"advertiser_id": a, "advertiser_name": ctx.state.advertisers[a]["name"]}
        for a in ctx.grant.advertiser_ids
        if a in ctx.state.advertisers
    ]
    return {"list": items}


@router.get("/portal/auth", include_in_schema=True, summary="Consent page stand-in: mints an auth code")
async def consent(request: Request) -> Response:
    """Approve at once: mint a fresh auth code for every advertiser and redirect back with it."""
    sim = request.app.state.sim
    state: SimState = sim.state
    app_id = request.query_params.get("app_id", "")
    if app_id not in {a.app_id for a in state.scenario.apps}:
        return JSONResponse({"error": f"unknown app_id {app_id!r}"}, status_code=400)
    code = state.next_token("auth_code")
    state.auth_codes[code] = AuthCodeRecord(
        app_id=app_id,
        advertiser_ids=sorted(state.advertisers),
        scope=list(DEFAULT_SCOPE),
        expires_at=state.now + timedelta(hours=1),
    )
    sim.save()
    redirect = request.query_params.get("redirect_uri")
    query = {"auth_code": code, "code": code, "state": request.query_params.get("state", "")}
    if not redirect:
        return JSONResponse(query)
    separator = "&" if "?" in redirect else "?"
    return RedirectResponse(f"{redirect}{separator}{urlencode(query)}", status_code=302)
