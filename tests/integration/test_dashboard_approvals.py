"""Approving from the dashboard, on the real dev server (visibility finds what waits): a
viewer sees the waiting launch but cannot decide it; an approver's decision, made with the
form the dashboard gave them, reaches the launch as theirs and the launch goes on."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import uuid
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from dashboard.app import create_app
from dashboard.auth import dashboard_key, login_token
from models.identity import new_key
from models.launch import LaunchResult
from settings import Settings
from store import Store, TokenCipher, identity
from tests.workflows.helpers import DEMO_TOKEN, connect_advertiser, running_worker
from tests.workflows.launch_helpers import ADV, launch_input, seed_tenant
from workflows.campaign_launch import CampaignLaunch

pytestmark = pytest.mark.integration
PRIVATE, PUBLIC = new_key()  # the dashboard's service key (users key create dashboard --service dashboard)
SETTINGS = Settings(change_log_key=SecretStr("approvals-test"), dashboard_secret=SecretStr("approvals"))
FORM = re.compile(
    r"name='workflow_id' value='([^']+)'><input type='hidden' name='token' value='([0-9a-f]+)'>"
)


async def session_for(http: httpx.AsyncClient, user: str) -> None:
    answer = await http.get("/login", params={"token": login_token(dashboard_key(SETTINGS), user)})
    http.cookies = answer.cookies


async def page_listing(http: httpx.AsyncClient, workflow_id: str) -> str:
    for _ in range(100):  # visibility follows the search attribute within a moment
        page = (await http.get(f"/a/{ADV}")).text
        if workflow_id in page:
            return page
        await asyncio.sleep(0.2)
    raise AssertionError(f"{workflow_id} never listed as waiting")


async def test_an_approver_decides_in_the_dashboard(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any
) -> None:
    await seed_tenant(store)
    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
    async with store.session() as session:
        key_id = await identity.add_key(session, "dashboard", PUBLIC, "dashboard")
    settings = SETTINGS.model_copy(
        update={"dashboard_approval_key": SecretStr(PRIVATE), "dashboard_approval_key_id": key_id}
    )
    app = create_app(settings, store=store, client=dev_env.client)
    transport = httpx.ASGITransport(app=app)
    base = fresh_simulator.base_url  # the launch refuses approvals that are not signed:
    async with running_worker(dev_env.client, store, cipher, base, require_signed_approvals=True) as tq:
        wid = f"launch-dashboard-{uuid.uuid4().hex[:6]}"
        handle = await dev_env.client.start_workflow(
            CampaignLaunch.run, launch_input(f"Dashboard {wid[-6:]}", "single"), id=wid, task_queue=tq,
            result_type=LaunchResult,
        )  # fmt: skip
        async with httpx.AsyncClient(transport=transport, base_url="http://dashboard") as viewer:
            await session_for(viewer, "victor")
            page = await page_listing(viewer, wid)
            assert "<form" not in page  # a viewer reads, nothing more
            forged = {"workflow_id": wid, "decision": "approve", "token": "0" * 64}
            assert (await viewer.post(f"/a/{ADV}/decide", data=forged)).status_code == 400
            own = hmac.new(dashboard_key(SETTINGS), f"csrf|victor|{wid}".encode(), hashlib.sha256).hexdigest()
            made = {**forged, "token": own}  # a well-made form does not make a viewer an approver
            assert (await viewer.post(f"/a/{ADV}/decide", data=made)).status_code == 403
        async with httpx.AsyncClient(transport=transport, base_url="http://dashboard") as approver:
            await session_for(approver, "alice")
            page = await page_listing(approver, wid)
            forms = {w: t for w, t in FORM.findall(page)}
            assert wid in forms
            answer = await approver.post(
                f"/a/{ADV}/decide",
                data={
                    "workflow_id": wid,
                    "decision": "approve",
                    "token": forms[wid],
                    "reason": "looks right",
                },
            )
            assert answer.status_code == 303
            said = (await approver.get(answer.headers["location"])).text
            assert f"approve recorded for {wid} as alice" in said
        result = await asyncio.wait_for(handle.result(), timeout=120)
    assert result.outcome == "launched"
    assert any(d.approver == "alice" and d.via == "dashboard" for d in result.decisions)
    async with store.session() as session:  # leave no service key behind for other tests' launches
        await identity.revoke(session, key_id)
