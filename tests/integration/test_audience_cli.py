"""``starter.py audience`` as an operator runs it: a Treasure Data job file moved over as it
is (camelCase, its own access token), a dry run, the real run, and the history read raw:
neither the token nor an e-mail address is in it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from store import Store, TokenCipher
from tests.integration.test_cli_verbs import KEY, Cli
from tests.workflows.helpers import CHANGE_LOG_KEY, DEMO_ADVERTISER, DEMO_TOKEN, running_worker

pytestmark = pytest.mark.integration


async def test_a_treasure_data_job_runs_from_the_cli_and_history_holds_no_secret(
    dev_env: WorkflowEnvironment, store: Store, fresh_simulator: Any, tmp_path: Path
) -> None:
    cipher = TokenCipher(KEY)
    address = dev_env.client.service_client.config.target_host
    job = {
        "authMethod": "access_token",
        "accessToken": DEMO_TOKEN,  # Treasure Data users paste their token in the job
        "advertiserId": DEMO_ADVERTISER,
        "apiVersion": "v1.2",
        "audienceAction": "APPEND",
        "audienceName": "td-moved-over",
        "encryptionType": "EMAIL_SHA256",
    }
    (tmp_path / "job.json").write_text(json.dumps(job))
    (tmp_path / "bad.json").write_text(json.dumps({**job, "threadCount": 9}))
    emails = [f"moved{i}@example.com" for i in range(40)]
    (tmp_path / "rows.csv").write_text("id\n" + "\n".join(emails) + "\n")
    base = fresh_simulator.base_url
    async with running_worker(dev_env.client, store, cipher, base, data_dir=tmp_path) as tq:
        env = {
            **os.environ,
            "TTADS_TEMPORAL_ADDRESS": address,
            "TTADS_TASK_QUEUE": tq,
            "TTADS_DATABASE_URL": store.url,
            "TTADS_TIKTOK_BASE_URL": fresh_simulator.base_url,
            "TTADS_TOKEN_ENCRYPTION_KEY": KEY.decode(),
            "TTADS_CHANGE_LOG_KEY": CHANGE_LOG_KEY,
            "TTADS_DATA_DIR": str(tmp_path),
            "COLUMNS": "160",
        }
        env.pop("DATABASE_URL", None)
        cli = Cli(env)
        code, out = await cli("audience", "sync", "--input", str(tmp_path / "bad.json"), "--file", "x.csv")
        assert code == 2 and "thread_count: not used in CUSTOMER_FILE mode" in out, out

        job_file, rows = str(tmp_path / "job.json"), str(tmp_path / "rows.csv")
        code, out = await cli("audience", "sync", "--input", job_file, "--file", rows, "--dry-run")
        assert code == 0 and '"dry_run": true' in out and '"expected_size": 40' in out, out
        assert "saved (encrypted)" in out

        code, out = await cli("audience", "sync", "--input", job_file, "--file", rows)
        assert code == 0 and '"valid": 40' in out, out
        workflow_id = next(line.split()[-1] for line in out.splitlines() if line.startswith("started"))

        code, out = await cli("audience", "list", "--advertiser", DEMO_ADVERTISER)
        assert code == 0 and "td-moved-over" in out and "EMAIL_SHA256" in out, out

    async with httpx.AsyncClient(base_url=base) as http:
        listed = await http.get("/sim/audiences", params={"advertiser_id": DEMO_ADVERTISER})
    assert [a["held"] for a in listed.json() if a["name"] == "td-moved-over"] == [40]
    history = await dev_env.client.get_workflow_handle(workflow_id).fetch_history()
    raw = json.dumps(history.to_json_dict())
    assert DEMO_TOKEN not in raw and "moved7@example.com" not in raw
    assert "__SAVED__" in raw or "X19TQVZFRF9f" in raw  # the placeholder, plain or base64 in payloads
