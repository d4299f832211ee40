"""The FastAPI application factory.

``create_app()`` builds one simulator: TikTok's ``/open_api/v1.3/`` endpoints (each behind
the pipeline in ``simulator.api``: envelope, token, permission, limits, faults), a consent
page stand-in at ``/portal/auth``, report downloads under ``/sim/files/``, and, unless
disabled, the admin API under ``/sim/``. Paths without their trailing slash are 404, as
on TikTok (no redirects).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from simulator.auction import advance
from simulator.core import Simulator
from simulator.routes import (
    accounts,
    adgroups,
    admin,
    ads,
    audience_admin,
    audiences,
    campaigns,
    events,
    files,
    management,
    oauth,
    reports,
    review_admin,
)
from simulator.scenario import Scenario
from simulator.webhooks import deliver_forever

log = logging.getLogger("simulator")


async def _settle_reviews(sim: Simulator, seconds: float = 0.05) -> None:
    """Decide due ad reviews (and queue their webhooks) every ``seconds`` of wall time."""
    while True:
        await asyncio.sleep(seconds)
        if sim.settle_reviews():
            sim.save()


async def _tick(sim: Simulator, seconds: float) -> None:
    """Advance the simulated clock one hour every ``seconds`` of wall time."""
    while True:
        await asyncio.sleep(seconds)
        advance(sim.state, 1)
        sim.save()


def create_app(
    scenario: Scenario | None = None,
    state_file: Path | None = None,
    *,
    enable_admin: bool = True,
    tick_seconds: float | None = None,
) -> FastAPI:
    """A simulator app: ``scenario`` (default: the built-in demo), resumed from ``state_file``
    when it holds the same scenario; ``tick_seconds`` makes the clock advance on its own."""
    sim = Simulator(scenario, state_file)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(_settle_reviews(sim)),
            asyncio.create_task(deliver_forever(sim.outbox, lambda: sim.state.webhook, sim.webhook_secret)),
        ]
        if tick_seconds:
            tasks.append(asyncio.create_task(_tick(sim, tick_seconds)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            sim.save()

    app = FastAPI(
        title="TikTok Marketing API v1.3 simulator",
        description="A local TikTok Marketing API with a synthetic auction. See docs/simulator.md.",
        version="1.3-sim",
        redirect_slashes=False,
        lifespan=lifespan,
    )
    app.state.sim = sim
    for module in (oauth, accounts, management, campaigns, adgroups, ads, files, reports, audiences, events):
        app.include_router(module.router)
    if enable_admin:
        app.include_router(admin.router)
        app.include_router(review_admin.router)
        app.include_router(audience_admin.router)

    @app.get("/", include_in_schema=False)
    async def root() -> dict[str, Any]:
        return {
            "name": "TikTok Marketing API v1.3 simulator",
            "api_base": "/open_api/v1.3/",
            "admin": "/sim/" if enable_admin else None,
            "docs": "/docs",
            "clock": sim.state.now_str(),
            "scenario": sim.state.scenario.name,
        }

    return app
