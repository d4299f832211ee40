"""The dashboard's HTTP app: a login link sets a signed session cookie; every page checks it
and shows only the advertisers of the user's tenants (section 15 roles: any role reads,
nobody edits). Plotly's JavaScript is served from the installed package."""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import plotly.offline
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from temporalio.client import Client
from temporalio.service import RPCError

from dashboard import approvals, data, pages
from dashboard.auth import COOKIE, dashboard_key, session_cookie, user_from_login, user_from_session
from models.launch import Verdict
from models.tables import AdvertiserRow
from reporting.export import write
from settings import Settings
from store import Store, access, warehouse
from temporal_client import connect


@cache
def plotly_js() -> str:
    return str(plotly.offline.get_plotlyjs())


def create_app(settings: Settings, store: Store | None = None, client: Client | None = None) -> FastAPI:
    key = dashboard_key(settings)
    temporal: dict[str, Client] = {"client": client} if client is not None else {}

    async def temporal_client() -> Client | None:
        """Temporal, connected on first use; None while it cannot be reached."""
        if "client" not in temporal:
            try:
                temporal["client"] = await connect(settings)
            except (RuntimeError, RPCError):
                return None
        return temporal["client"]

    def csrf(user: str, workflow_id: str) -> str:
        return hmac.new(key, f"csrf|{user}|{workflow_id}".encode(), hashlib.sha256).hexdigest()

    owned = store is None
    store = store or Store(settings.effective_database_url)
    ui = f"http://localhost:{settings.temporal_ui_port}"

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            await store.dispose()

    app = FastAPI(title="tiktok-ads dashboard", lifespan=lifespan, docs_url=None, redoc_url=None)

    def user_of(request: Request) -> str:
        user = user_from_session(key, request.cookies.get(COOKIE))
        if user is None:
            raise HTTPException(status_code=303, headers={"Location": "/login"})
        return user

    async def advertiser_for(user: str, advertiser_id: str) -> AdvertiserRow:
        async with store.session() as session:
            visible = {a.advertiser_id: a for a in await data.visible_advertisers(session, user)}
        if advertiser_id not in visible:
            raise HTTPException(
                status_code=403, detail=f"{user} has no role in advertiser {advertiser_id}'s tenant"
            )
        return visible[advertiser_id]

    @app.get("/healthz")
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/static/plotly.min.js")
    async def plotly_script() -> Response:
        return Response(
            plotly_js(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    @app.get("/login", response_class=HTMLResponse)
    async def login(token: str | None = None, next: str = "/") -> Response:
        if token is None:
            text = "Ask an administrator for a login link: <code>starter.py dashboard link USER</code>."
            return HTMLResponse(
                pages.layout("Log in", None, f"<h1>Log in</h1><p>{text}</p>"), status_code=401
            )
        user = user_from_login(key, token)
        if user is None:
            body = "<h1>Log in</h1><p>This link is not valid or has expired.</p>"
            return HTMLResponse(pages.layout("Log in", None, body), status_code=401)
        target = next if next.startswith("/") and not next.startswith("//") else "/"  # this site only
        answer = RedirectResponse(target, status_code=303)
        answer.set_cookie(COOKIE, session_cookie(key, user), httponly=True, samesite="lax", max_age=12 * 3600)
        return answer

    @app.get("/logout")
    async def logout() -> Response:
        answer = RedirectResponse("/login", status_code=303)
        answer.delete_cookie(COOKIE)
        return answer

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> str:
        user = user_of(request)
        async with store.session() as session:
            return pages.advertisers_page(user, await data.visible_advertisers(session, user))

    @app.get("/a/{advertiser_id}", response_class=HTMLResponse)
    async def advertiser(
        advertiser_id: str, request: Request, days: int = 14, said: str | None = None
    ) -> str:
        user = user_of(request)
        row = await advertiser_for(user, advertiser_id)
        async with store.session() as session:
            overview = await data.overview(session, row, days=max(1, min(days, 90)))
            may_approve = user in await access.users_with_roles(session, advertiser_id, access.CAN_APPROVE)
        client = await temporal_client()
        pending = await approvals.waiting(client, advertiser_id) if client is not None else None
        decisions = pages.Decisions(pending, may_approve, lambda wid: csrf(user, wid), said)
        return pages.overview_page(user, overview, ui, decisions)

    @app.post("/a/{advertiser_id}/decide")
    async def decide(
        advertiser_id: str,
        request: Request,
        workflow_id: str = Form(),
        decision: str = Form(),
        token: str = Form(),
        reason: str = Form(default=""),
    ) -> Response:
        user = user_of(request)
        await advertiser_for(user, advertiser_id)
        if not hmac.compare_digest(token, csrf(user, workflow_id)) or decision not in ("approve", "reject"):
            raise HTTPException(status_code=400, detail="this form is not one the dashboard made for you")
        async with store.session() as session:
            if user not in await access.users_with_roles(session, advertiser_id, access.CAN_APPROVE):
                raise HTTPException(status_code=403, detail=f"{user} is not an approver of {advertiser_id}")
        client = await temporal_client()
        if client is None:
            raise HTTPException(status_code=503, detail="Temporal cannot be reached")
        ours = {w.workflow_id for w in await approvals.waiting(client, advertiser_id)}
        if workflow_id not in ours:
            said = f"{workflow_id} does not wait for an approval of advertiser {advertiser_id}"
        else:
            verdict: Verdict = "approve" if decision == "approve" else "reject"
            said = await approvals.decide(client, settings, workflow_id, verdict, user, reason)
        return RedirectResponse(f"/a/{advertiser_id}?{urlencode({'said': said})}", status_code=303)

    @app.get("/a/{advertiser_id}/export.{fmt}")
    async def export(advertiser_id: str, fmt: str, request: Request, days: int = 31) -> Response:
        user = user_of(request)
        if fmt not in ("csv", "xlsx"):
            raise HTTPException(status_code=404, detail="export as .csv or .xlsx")
        await advertiser_for(user, advertiser_id)
        async with store.session() as session:
            first, last, _ = await data.window(session, advertiser_id, max(1, min(days, 366)))
            rows = await warehouse.rows_between(session, advertiser_id, first, last)
        folder = Path(tempfile.mkdtemp(prefix="ttads-export-"))
        path = write(rows, folder / f"tiktok-{advertiser_id}-{first}-{last}.{fmt}")
        return FileResponse(path, filename=path.name)

    return app
