"""The operator CLI as an operator runs it: every verb a real ``starter.py`` process against
the dev server, the simulator, a worker and the store. Exit codes are part of the contract:
0 done, 1 failed, 2 bad input, 3 refused."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from temporalio.testing import WorkflowEnvironment

from store import Store, TokenCipher
from tests.workflows.helpers import (
    CHANGE_LOG_KEY,
    DEMO_ADVERTISER,
    DEMO_TOKEN,
    connect_advertiser,
    running_worker,
)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key()


class Cli:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    async def __call__(self, *args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "starter.py",
            *args,
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
        return proc.returncode or 0, out.decode()


def _launch(tmp: Path, name: str, **changes: Any) -> Path:
    raw = json.loads((ROOT / "examples" / "campaign_launch.json").read_text())
    raw["campaign"]["campaign_name"] = name
    raw["campaign"].update(changes)
    path = tmp / f"{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(raw))
    return path


async def test_every_verb_as_a_process(
    dev_env: WorkflowEnvironment, store: Store, fresh_simulator: Any, tmp_path: Path
) -> None:
    cipher = TokenCipher(KEY)  # the CLI and the worker read the same key from settings
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    address = dev_env.client.service_client.config.target_host
    async with running_worker(dev_env.client, store, cipher, fresh_simulator.base_url) as tq:
        env = {
            **os.environ,
            "TTADS_TEMPORAL_ADDRESS": address,
            "TTADS_TASK_QUEUE": tq,
            "TTADS_DATABASE_URL": store.url,
            "TTADS_TIKTOK_BASE_URL": fresh_simulator.base_url,
            "TTADS_TOKEN_ENCRYPTION_KEY": KEY.decode(),
            "TTADS_CHANGE_LOG_KEY": CHANGE_LOG_KEY,
            "TTADS_DATA_DIR": str(tmp_path),
            "COLUMNS": "120",
        }
        env.pop("DATABASE_URL", None)
        cli = Cli(env)
        for user, role in (("olivia@demo.example", "Operator"), ("alice@demo.example", "Approver"),
                           ("bob@demo.example", "Approver"), ("ada@demo.example", "Admin")):  # fmt: skip
            assert (await cli("users", "grant", user, "--tenant", "demo", "--role", role))[0] == 0
        code, out = await cli(
            "advertisers", "assign", DEMO_ADVERTISER, "--tenant", "demo", "--monthly-budget", "30000"
        )
        assert code == 0, out
        code, out = await cli("users", "list", "--tenant", "demo")
        assert code == 0 and "demo  alice@demo.example  Approver" in out, out
        code, out = await cli("advertisers", "list")
        assert code == 0 and f"{DEMO_ADVERTISER}  demo" in out and "30000/month" in out, out

        tag = uuid.uuid4().hex[:4]
        code, out = await cli(
            "start", "CampaignLaunch", "--input", str(_launch(tmp_path, f"Tiny {tag}", budget=10)), "--check"
        )
        assert (
            code == 3
            and "campaign.budget: 10 is below the minimum campaign budget 50 [min_campaign_budget]" in out
        ), out
        good = _launch(tmp_path, f"CLI {tag}")
        code, out = await cli("start", "CampaignLaunch", "--input", str(good), "--check")
        assert code == 0 and "ok: guardrails pass" in out, out

        wid = f"launch-cli-verbs-{tag}"
        code, out = await cli("start", "CampaignLaunch", "--input", str(good), "--id", wid)
        assert code == 0 and f"started CampaignLaunch {wid}" in out, out
        for _ in range(100):
            code, out = await cli("pending", "--approver", "bob@demo.example")
            if wid in out:
                break
        assert wid in out, out
        code, out = await cli("approve", wid, "--as", "olivia@demo.example")
        assert code == 3 and "requested this launch" in out, out
        code, out = await cli("approve", wid, "--as", "alice@demo.example", "--stage", "2")
        assert code == 3 and "stage 2 is not open yet" in out, out
        code, out = await cli("approve", wid, "--as", "alice@demo.example")
        assert code == 0 and "pending_stage_2" in out and "bob@demo.example" in out, out
        code, out = await cli("approve", wid, "--as", "bob@demo.example")
        assert code == 0 and "state approved" in out, out
        await dev_env.client.get_workflow_handle(wid).result()

        code, out = await cli("status", wid)
        assert code == 0 and out.splitlines()[0] == f"CampaignLaunch {wid}: COMPLETED, outcome launched", out
        code, out = await cli("approve", wid, "--as", "ada@demo.example")
        assert code == 3 and "the run has ended" in out and "outcome launched" in out, out
        code, out = await cli("audit", wid, "--verify")
        assert code == 0 and "verified" in out, out
        code, out = await cli("replay", wid)
        assert code == 0 and "1 ok, 0 failed" in out, out

        # The same campaign name again: refused before anything exists, and said in one line.
        code, out = await cli(
            "start", "CampaignLaunch", "--input", str(good), "--id", f"{wid}-again", "--wait"
        )
        assert code == 3, out
        assert (
            f"CampaignLaunch {wid}-again: COMPLETED, outcome refused: launch refused, 1 violation(s): " in out
        )
        assert "already has a campaign named" in out

        template = tmp_path / "t.json"
        body = json.loads(good.read_text())
        body.pop("advertiser_id")
        template.write_text(json.dumps(body))
        assert (await cli("templates", "save", "cli", "--file", str(template)))[0] == 0
        code, out = await cli("templates", "list")
        assert code == 0 and "cli" in out
        code, out = await cli(
            "launch", "--template", "cli", "--advertiser", DEMO_ADVERTISER, "--as", "olivia@demo.example",
            "--set", f"campaign.campaign_name=From template {tag}", "--check",
        )  # fmt: skip
        assert code == 0 and "ok: guardrails pass" in out, out

        # Undo the launch from its history: a dry run first, then for real.
        code, out = await cli("rollback", wid, "--as", "ada@demo.example", "--dry-run")
        assert code == 0 and "would restore campaign" in out and "dry_run: 0 restored" in out, out
        code, out = await cli("rollback", wid, "--as", "ada@demo.example", "--reason", "wrong audience")
        assert code == 0 and "rolled_back: 12 restored, 0 skipped, 0 conflict(s)" in out, out

        # The optimization schedule, by hand: create (with settings), list, pause, delete.
        code, out = await cli(
            "schedule", "create", DEMO_ADVERTISER, "--target-cpa", "40", "--dry-run", "--paused",
            "--settings", '{"max_move": 0.3}',
        )  # fmt: skip
        assert code == 0 and f"created schedule optimize-{DEMO_ADVERTISER}" in out, out
        code, out = await cli("schedule", "create", DEMO_ADVERTISER, "--target-cpa", "40", "--dry-run")
        assert code == 0 and f"updated schedule optimize-{DEMO_ADVERTISER}" in out, out
        code, out = await cli("schedule", "list")
        assert code == 0 and f"optimize-{DEMO_ADVERTISER}  PAUSED" in out, out  # the pause stays
        assert (await cli("schedule", "resume", DEMO_ADVERTISER))[0] == 0
        code, out = await cli("schedule", "list")
        assert code == 0 and f"optimize-{DEMO_ADVERTISER}  active  next" in out, out
        assert (await cli("schedule", "delete", DEMO_ADVERTISER))[0] == 0
        code, out = await cli("schedule", "pause", DEMO_ADVERTISER)
        assert code == 1 and "no schedule" in out, out
