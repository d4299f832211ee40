"""worker.py as operators run it: a real process that serves Prometheus metrics, runs a
workflow end to end against the simulator, and drains on SIGTERM with exit code 0.
The advertiser is connected through the CLI (`starter.py token connect`) with an auth code
from the simulator's consent page, which also starts its TokenRefresh workflow."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from models.workflows import AdvertiserSyncInput, AdvertiserSyncResult
from tests.workflows.helpers import DEMO_ADVERTISER

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_worker_process_runs_sync_serves_metrics_and_stops_on_sigterm(
    dev_env: WorkflowEnvironment, simulator, tmp_path: Path
) -> None:
    metrics_port = _free_port()
    task_queue = f"tiktok-ads-proc-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "TTADS_ENVIRONMENT": "dev",
        "TTADS_DATA_DIR": str(tmp_path),
        "TTADS_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "TTADS_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "TTADS_TASK_QUEUE": task_queue,
        "TTADS_METRICS_PORT": str(metrics_port),
        "TTADS_TIKTOK_BASE_URL": simulator.base_url,
        "TTADS_LOG_FORMAT": "json",
    }
    env.pop("DATABASE_URL", None)
    async with httpx.AsyncClient(base_url=simulator.base_url) as http:
        code = (await http.get("/portal/auth", params={"app_id": "demo-app"})).json()["auth_code"]
    connected = subprocess.run(
        [sys.executable, "starter.py", "token", "connect", "--auth-code", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert connected.returncode == 0, connected.stderr
    assert DEMO_ADVERTISER in connected.stdout
    refresh = dev_env.client.get_workflow_handle(f"token-refresh-{DEMO_ADVERTISER}")

    log_file = (tmp_path / "worker.log").open("wb")
    proc = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stderr=log_file)
    try:
        result = await dev_env.client.execute_workflow(
            "AdvertiserSync",
            AdvertiserSyncInput(advertiser_id=DEMO_ADVERTISER),
            id=f"sync-proc-{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
            result_type=AdvertiserSyncResult,
        )
        assert result.ads.fetched > 10
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
        assert "workflow_completed" in metrics and "tiktok_api_calls" in metrics
        assert re.search(r'tiktok_api_latency_bucket\{[^}]*le="2"\}', metrics)  # seconds, not ms buckets
        status = await refresh.query("status")
        assert status["phase"].startswith("waiting until 30 minutes before")  # picked up by this worker
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 30)
        assert code == 0
        lines = [
            json.loads(x) for x in (tmp_path / "worker.log").read_text().splitlines() if x.startswith("{")
        ]
        started = next(x for x in lines if x["message"].startswith("worker on task queue"))
        assert started["level"] == "INFO" and started["logger"] == "worker" and "ts" in started
    finally:
        if proc.poll() is None:
            proc.kill()
        await refresh.terminate("test done")
