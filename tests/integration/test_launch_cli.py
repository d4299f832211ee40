"""A two-stage CampaignLaunch driven only through the `temporal` CLI binary against the dev
server: start from examples/campaign_launch.json, a refused update, two approvals, result.
`starter.py pending --approver` finds the launch through the ApprovalState attribute."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from devstack import DEMO_PEOPLE, DEMO_TENANT
from store import Store, TokenCipher
from store.access import assign_advertiser, grant
from tests.integration.conftest import TEMPORAL
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


async def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode()


async def _state(address: str, wf_id: str, want: str) -> None:
    for _ in range(200):
        code, out = await _run(
            TEMPORAL,
            "workflow",
            "query",
            "--address",
            address,
            "--workflow-id",
            wf_id,
            "--name",
            "status",
            "--output",
            "json",
        )
        if code == 0 and json.loads(out)["queryResult"][0]["approval_state"] == want:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{wf_id} never reached {want}: {out}")


async def test_two_stage_launch_through_the_temporal_cli(
    dev_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any
) -> None:
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    async with store.session() as s:
        await assign_advertiser(s, DEMO_ADVERTISER, DEMO_TENANT, monthly_budget=30000)
        for user, role in DEMO_PEOPLE:
            await grant(s, user, DEMO_TENANT, role)  # type: ignore[arg-type]
    address = dev_env.client.service_client.config.target_host
    wf_id = f"launch-cli-{uuid.uuid4().hex[:6]}"
    example = (ROOT / "examples" / "campaign_launch.json").read_text()
    common = ("--address", address, "--workflow-id", wf_id)
    async with running_worker(dev_env.client, store, cipher, fresh_simulator.base_url) as tq:
        code, out = await _run(
            TEMPORAL,
            "workflow",
            "start",
            *common,
            "--type",
            "CampaignLaunch",
            "--task-queue",
            tq,
            "--input",
            example,
        )
        assert code == 0, out
        await _state(address, wf_id, "pending_stage_1")

        env = {**os.environ, "TTADS_TEMPORAL_ADDRESS": address}
        code, out = await _run(
            sys.executable, "starter.py", "pending", "--approver", "bob@demo.example", env=env
        )
        assert code == 0 and wf_id in out, out

        code, out = await _run(
            TEMPORAL,
            "workflow",
            "update",
            "execute",
            *common,
            "--name",
            "approve",
            "--input",
            json.dumps({"approver": "olivia@demo.example"}),
        )
        assert code != 0 and "requested this launch" in out
        for approver in ("alice@demo.example", "bob@demo.example"):
            code, out = await _run(
                TEMPORAL,
                "workflow",
                "update",
                "execute",
                *common,
                "--name",
                "approve",
                "--input",
                json.dumps({"approver": approver}),
            )
            assert code == 0, out
        code, out = await _run(TEMPORAL, "workflow", "result", *common, "--output", "json")
    assert code == 0, out
    result = json.loads(out)["result"]
    assert result["outcome"] == "launched"
    assert [d["approver"] for d in result["decisions"]] == ["alice@demo.example", "bob@demo.example"]
    assert result["created"]["campaign_id"] and len(result["created"]["ad_ids"]) == 3
