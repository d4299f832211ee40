"""``POST /slack/actions``: a Slack Approve/Reject button press becomes a signed approval.

Order: Slack's signature (``X-Slack-Signature: v0=HMAC-SHA256(signing secret,
"v0:<X-Slack-Request-Timestamp>:<raw body>")``, timestamp within 5 minutes, else 401) ->
the ``payload`` form field's button (``approve``/``reject``, value = the workflow id) ->
the Slack member mapped to a service user (``starter.py users slack``) -> the decision
signed with the receiver's Slack key (via ``slack``) -> the workflow's update of the same
name. Slack gets an ephemeral line either way: what was recorded, or why it was refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from temporalio.client import Client

from models.launch import ApprovalRequest, Verdict
from settings import Settings
from store import Store, identity
from temporal_client import decide_for

log = logging.getLogger("webhooks.slack")
WINDOW_SECONDS = 300


def slack_signature_ok(secret: str, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    if not timestamp.isdigit() or abs(now - int(timestamp)) > WINDOW_SECONDS:
        return False
    expected = (
        "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(expected, signature)


def _say(text: str) -> JSONResponse:
    return JSONResponse({"response_type": "ephemeral", "replace_original": False, "text": text})


def slack_router(settings: Settings, state: dict[str, Any]) -> APIRouter:
    router = APIRouter()

    @router.post("/slack/actions")
    async def actions(request: Request) -> Response:
        body = await request.body()
        secret = settings.slack_signing_secret
        headers = request.headers
        if secret is None or not slack_signature_ok(
            secret.get_secret_value(),
            headers.get("x-slack-request-timestamp", ""),
            body,
            headers.get("x-slack-signature", ""),
            time.time(),
        ):
            log.warning("slack action refused: bad or stale signature")
            return Response(status_code=401)
        try:
            payload = json.loads(parse_qs(body.decode())["payload"][0])
            action = payload["actions"][0]
            decision: Verdict = action["action_id"]
            workflow_id = str(action["value"])
            slack_user = str(payload["user"]["id"])
            if decision not in ("approve", "reject"):
                raise ValueError(decision)
        except (KeyError, IndexError, ValueError, TypeError):
            return JSONResponse({"error": "payload: not a Slack block action with approve/reject"}, 400)
        store: Store = state["store"]
        async with store.session() as session:
            user = await identity.slack_user(session, slack_user)
        if user is None:
            return _say(f"Slack user {slack_user} is not mapped to an approver (starter.py users slack)")
        reason = "rejected in Slack" if decision == "reject" else "approved in Slack"
        req = ApprovalRequest(approver=user, reason=reason, via="slack")
        client: Client = state["client"]
        key, key_id = settings.slack_approval_key, settings.slack_approval_key_id
        refused = await decide_for(client, workflow_id, decision, req, key, key_id)
        if refused is not None:
            return _say(refused)
        log.info("slack: %s %s %s", user, decision, workflow_id)
        return _say(f"{decision} recorded for {workflow_id} as {user}")

    return router
