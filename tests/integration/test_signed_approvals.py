"""Approvals with a verified identity: with ``require_signed_approvals`` on, a launch refuses
unsigned, forged, borrowed, expired and replayed approvals with the reason, takes a signed
one, and takes a Slack button press checked with Slack's signing secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.identity import MAX_AGE, ApproverKey, Signing, new_key, sign, signature_refusal
from models.launch import ApprovalRequest, LaunchResult
from settings import Settings
from simulator import DEMO_ACCESS_TOKEN
from store import Store, TokenCipher, identity
from tests.httpsink import HttpSink
from tests.workflows.helpers import connect_advertiser, running_worker
from tests.workflows.launch_helpers import ADV, launch_input, seed_tenant, wait_for_state
from webhooks import create_app
from webhooks.serve import serving
from workflows.campaign_launch import CampaignLaunch

pytestmark = pytest.mark.integration
SLACK_SECRET = "slack-signing-secret"


async def keys(store: Store, *users: str, service: str | None = None) -> dict[str, tuple[str, str]]:
    """A fresh key per user: ``{user: (key_id, private hex)}``."""
    out = {}
    async with store.session() as session:
        for user in users:
            private, public = new_key()
            out[user] = (await identity.add_key(session, user, public, service), private)
    return out


def signed(
    key: tuple[str, str], wid: str, req: ApprovalRequest, at: datetime | None = None
) -> ApprovalRequest:
    return sign(
        key[1], key[0], wid, "approve", req.model_copy(update={"via": "cli"}), at or datetime.now(UTC)
    )


async def refused(handle: Any, req: ApprovalRequest) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(CampaignLaunch.approve, req)
    return str(failed.value.cause)


async def test_unsigned_forged_borrowed_expired_and_replayed_approvals_are_refused(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any
) -> None:
    await seed_tenant(store)
    await connect_advertiser(store, cipher, ADV, DEMO_ACCESS_TOKEN)
    mine = await keys(store, "alice", "bob")
    name = f"Signed-{uuid.uuid4().hex[:4]}"
    base = fresh_simulator.base_url
    async with running_worker(dev_env.client, store, cipher, base, require_signed_approvals=True) as tq:
        wid = f"launch-{uuid.uuid4().hex[:8]}"
        inp = launch_input(name, "two_stage")
        handle = await dev_env.client.start_workflow(
            CampaignLaunch.run, inp, id=wid, task_queue=tq, result_type=LaunchResult
        )
        await wait_for_state(handle, "pending_stage_1")
        alice = ApprovalRequest(approver="alice", reason="looks good")
        assert "requires signed approvals" in await refused(handle, alice)
        altered = signed(mine["alice"], wid, alice).model_copy(update={"reason": "changed after signing"})
        assert "does not match" in await refused(handle, altered)
        assert "belongs to bob" in await refused(handle, signed(mine["bob"], wid, alice))
        other_run = signed(mine["alice"], "launch-some-other-run", alice)
        assert "does not match" in await refused(handle, other_run)
        old = signed(mine["alice"], wid, alice, datetime.now(UTC) - timedelta(minutes=20))
        assert "expired" in await refused(handle, old)
        good = signed(mine["alice"], wid, alice)
        status = await handle.execute_update(CampaignLaunch.approve, good)
        assert status.approval_state == "pending_stage_2"
        assert status.decisions[0].via == "cli" and status.decisions[0].key_id == mine["alice"][0]
        assert "already approved" in await refused(handle, good)  # the same signed approval again
        bob = signed(mine["bob"], wid, ApprovalRequest(approver="bob"))
        await handle.execute_update(CampaignLaunch.approve, bob)
        result = await handle.result()
    assert result.outcome == "launched"


def test_a_nonce_is_accepted_once_and_a_signature_binds_the_verdict() -> None:
    private, public = new_key()
    signing = Signing(required=True, keys=[ApproverKey(key_id="k1", user_id="alice", public_key=public)])
    now = datetime.now(UTC)
    req = sign(private, "k1", "wf", "approve", ApprovalRequest(approver="alice"), now)

    def check(decision: str = "approve", r: ApprovalRequest = req, at: datetime = now, used: Any = ()) -> str:
        return signature_refusal(signing, "wf", decision, r, at, set(used)) or "accepted"  # type: ignore[arg-type]

    assert check() == "accepted"
    assert "replayed" in check(used=[req.nonce])
    assert "does not match" in check("reject")  # an approval's signature is no rejection's
    assert "not a key" in check(r=req.model_copy(update={"key_id": "k9"}))
    assert "future" in check(at=now - MAX_AGE)
    unsigned = ApprovalRequest(approver="x")
    assert signature_refusal(Signing(required=False), "wf", "approve", unsigned, now, set()) is None


def slack_body(user: str, action: str, workflow_id: str) -> bytes:
    actions = [{"action_id": action, "value": workflow_id}]
    payload = {"type": "block_actions", "user": {"id": user}, "actions": actions}
    return urlencode({"payload": json.dumps(payload)}).encode()


def slack_headers(body: bytes, *, secret: str = SLACK_SECRET, stamp: int | None = None) -> dict[str, str]:
    t = str(int(time.time()) if stamp is None else stamp)
    mac = hmac.new(secret.encode(), f"v0:{t}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": t,
        "X-Slack-Signature": f"v0={mac}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def test_a_slack_button_press_approves_as_the_mapped_user(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any
) -> None:
    await seed_tenant(store)
    await connect_advertiser(store, cipher, ADV, DEMO_ACCESS_TOKEN)
    service = (await keys(store, "receiver", service="slack"))["receiver"]
    slack_id = f"U{uuid.uuid4().hex[:8].upper()}"
    async with store.session() as session:
        await identity.map_slack_user(session, slack_id, "alice")
    base = fresh_simulator.base_url
    slack = HttpSink().__enter__()  # Slack's incoming webhook: the approval request arrives here
    worker = running_worker(
        dev_env.client, store, cipher, base, require_signed_approvals=True, alert_slack_webhook_url=slack.url
    )
    async with worker as tq:
        settings = Settings(
            task_queue=tq,
            slack_signing_secret=SLACK_SECRET,  # type: ignore[arg-type]
            slack_approval_key=service[1],  # type: ignore[arg-type]
            slack_approval_key_id=service[0],
        )
        app = create_app(settings, store=store, client=dev_env.client, cipher=cipher)
        wid = f"launch-{uuid.uuid4().hex[:8]}"
        handle = await dev_env.client.start_workflow(
            CampaignLaunch.run, launch_input(f"Slack-{uuid.uuid4().hex[:4]}"), id=wid, task_queue=tq,
            result_type=LaunchResult,
        )  # fmt: skip
        await wait_for_state(handle, "pending_stage_1")
        (request,) = await slack.arrived(1)
        buttons = json.loads(request.body)["blocks"][1]["elements"]
        assert [(b["action_id"], b["value"]) for b in buttons] == [("approve", wid), ("reject", wid)]
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            body = slack_body(slack_id, "approve", wid)
            forged = await http.post(
                "/slack/actions", content=body, headers=slack_headers(body, secret="nope")
            )
            stale = await http.post("/slack/actions", content=body, headers=slack_headers(body, stamp=1))
            stranger = slack_body("UNKNOWN", "approve", wid)
            unknown = await http.post("/slack/actions", content=stranger, headers=slack_headers(stranger))
            pressed = await http.post("/slack/actions", content=body, headers=slack_headers(body))
        result = await handle.result()
    slack.__exit__(None, None, None)
    assert forged.status_code == stale.status_code == 401
    assert "not mapped" in unknown.json()["text"]
    assert pressed.status_code == 200 and "approve recorded" in pressed.json()["text"], pressed.text
    assert result.outcome == "launched"
    assert [(d.approver, d.via) for d in result.decisions] == [("alice", "slack")]
