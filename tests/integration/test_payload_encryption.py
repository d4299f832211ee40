"""Payload encryption on the real dev server, in the middle of a key rotation: a launch started
by a client still writing with the old key (k1, k2 known) and run by a worker already writing
with the new one (k2, k1 kept for reading) leaves no e-mail, phone or token readable in
history; audit readers, the replayer, the codec server (the Web UI's path) and the ``temporal``
CLI with ``--codec-endpoint`` read it back; a reader without k1 is told which key it lacks."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from pathlib import Path

import httpx
import pytest
from google.protobuf import json_format
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from codec import new_key
from codec.encryption import payloads_in
from codec.server import create_app
from models.launch import ApprovalRequest, LaunchResult
from settings import Settings
from simulator import SimulatorServer
from store import Store, TokenCipher
from temporal_client import data_converter, fetch_history
from tests.integration.conftest import TEMPORAL
from tests.workflows.helpers import DEMO_TOKEN, connect_advertiser, running_worker
from tests.workflows.launch_helpers import ADV, launch_input, seed_tenant, wait_for_state
from webhooks.serve import serving
from workflows.campaign_launch import CampaignLaunch

pytestmark = pytest.mark.integration
EMAIL, PHONE = "jane.doe@acme.example", "+81 90 1234 5678"
K1, K2 = new_key("k1"), new_key("k2")


def client_with(env: WorkflowEnvironment, keys: str) -> Client:
    settings = Settings(payload_encryption_keys=SecretStr(keys))
    return Client(**{**env.client.config(), "data_converter": data_converter(settings)})


async def test_history_holds_ciphertext_and_the_ui_path_decodes_it(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, tmp_path: Path
) -> None:
    await seed_tenant(store)
    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
    starter, worker_client = client_with(dev_env, f"{K1},{K2}"), client_with(dev_env, f"{K2},{K1}")
    name = f"Encrypted-{uuid.uuid4().hex[:4]}"
    inp = launch_input(name, "single")
    ads = inp.adgroups[0].ads
    inp.adgroups[0].ads[0] = ads[0].model_copy(update={"ad_text": f"Call {PHONE} today"})
    with SimulatorServer(port=0) as sim:
        async with running_worker(worker_client, store, cipher, sim.base_url) as tq:
            handle = await starter.start_workflow(
                CampaignLaunch.run, inp, id=f"launch-enc-{uuid.uuid4().hex[:6]}", task_queue=tq,
                result_type=LaunchResult,
            )  # fmt: skip
            await wait_for_state(handle, "pending_stage_1", within=30)
            why = f"ask {EMAIL} first"
            await handle.execute_update(CampaignLaunch.reject, ApprovalRequest(approver="alice", reason=why))
            result = await handle.result()
    assert result.outcome == "rejected" and result.reason == why  # the clients read it back

    raw = await dev_env.client.get_workflow_handle(handle.id).fetch_history()  # no codec
    stored = b"".join(e.SerializeToString() for e in raw.events)  # what the server keeps
    assert EMAIL.encode() not in stored and PHONE.encode() not in stored and DEMO_TOKEN.encode() not in stored
    keys = {p.metadata.get("encryption-key-id") for e in raw.events for p in _payloads(e)}
    assert keys == {b"k1", b"k2"}  # the input under the old key, what the worker wrote under the new

    opened = await fetch_history(worker_client, handle.id)  # audit and rollback's reader
    plain = b"".join(e.SerializeToString() for e in opened.events)
    assert EMAIL.encode() in plain and PHONE.encode() in plain
    with pytest.raises(ValueError, match="'k1'"):
        await fetch_history(client_with(dev_env, K2), handle.id)
    replayed = await Replayer(
        workflows=[CampaignLaunch], data_converter=worker_client.data_converter
    ).replay_workflow(raw)  # SREs replay an encrypted run with the worker's converter
    assert replayed.replay_failure is None
    from cli.replay import missing_keys  # starter.py replay refuses, naming the keys, without them

    assert missing_keys(raw, set()) == {"k1", "k2"} and missing_keys(raw, {"k1", "k2"}) == set()

    started = raw.events[0].workflow_execution_started_event_attributes.input
    body = json_format.MessageToDict(started)
    settings = Settings(
        payload_encryption_keys=SecretStr(f"{K2},{K1}"), codec_server_tokens=SecretStr("s3cret"),
        environment="production",
    )  # fmt: skip
    async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as http:
        refused = await http.post("/decode", json=body)
        answer = await http.post("/decode", json=body, headers={"Authorization": "Bearer s3cret"})
        ui = {"Origin": "http://localhost:8233", "Access-Control-Request-Method": "POST",
              "Access-Control-Request-Headers": "content-type,x-namespace,authorization"}  # fmt: skip
        preflight = await http.options("/decode", headers=ui)
        stranger = await http.options("/decode", headers={**ui, "Origin": "https://evil.example"})
        shown = await asyncio.create_subprocess_exec(
            TEMPORAL, "workflow", "show", "-w", handle.id, "--output", "json",
            "--address", dev_env.client.service_client.config.target_host,
            "--codec-endpoint", url, "--codec-auth", "Bearer s3cret",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await shown.communicate()
    assert refused.status_code == 401
    (decoded,) = answer.json()["payloads"]
    assert (
        json.loads(base64.b64decode(decoded["data"]))["adgroups"][0]["ads"][0]["ad_text"]
        == f"Call {PHONE} today"
    )
    assert preflight.headers.get("access-control-allow-origin") == "http://localhost:8233"
    assert "access-control-allow-origin" not in stranger.headers
    assert shown.returncode == 0, err.decode()
    shown_history = WorkflowHistory.from_json(handle.id, json.loads(out))
    assert EMAIL.encode() in b"".join(e.SerializeToString() for e in shown_history.events)


def _payloads(event: HistoryEvent) -> list[Payload]:
    """The event's payloads but search attributes and SDK markers (patches): Temporal indexes
    search attributes, so they stay readable by design and must never hold personal data."""
    if event.event_type in (
        EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        EventType.EVENT_TYPE_MARKER_RECORDED,
    ):
        return []
    copy = HistoryEvent()
    copy.CopyFrom(event)
    copy.workflow_execution_started_event_attributes.ClearField("search_attributes")
    return list(payloads_in(copy))
