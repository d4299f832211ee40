"""A streaming audience sync survives SIGKILL: a real ``worker.py`` is killed while it sends
``segment/mapping/`` batches, a new one takes over, and the sync resumes from the chunks
TikTok acknowledged: those are never sent again (at most the ``thread_count`` chunks in
flight at the kill are), and the audience ends up with every identifier exactly once.

The simulator's idempotency honouring stays OFF: no re-send is hidden by TikTok replaying
an answer. A latency fault slows each batch so that the kill lands in the middle; the
killed attempt is retried after the streaming activity's 30 s heartbeat timeout.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from models.audience_runs import AudienceSyncResult
from simulator import SimulatorServer
from tests.integration.processes import Workers, seed_store, tail, worker_env
from tests.workflows.helpers import DEMO_ADVERTISER

pytestmark = pytest.mark.integration
ROWS, BATCH, THREADS = 1000, 25, 2  # 40 chunks
KILL_AFTER = 12  # mapping requests seen before the kill


async def test_a_killed_stream_resumes_without_resending_acknowledged_chunks(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    with SimulatorServer(port=0) as sim:
        async with httpx.AsyncClient(base_url=sim.base_url, timeout=10) as http:
            (await http.post("/sim/idempotency", json={"enabled": False})).raise_for_status()
            (await http.post("/sim/audiences/limits", json={"match_rate": 1.0})).raise_for_status()
            slow = {"kind": "latency", "latency_ms": 250, "path": "segment/mapping/"}
            (await http.post("/sim/faults", json={"seed": 1, "rules": [slow]})).raise_for_status()
            await seed_store(tmp_path / "app.db", tmp_path)
            (tmp_path / "rows.csv").write_text(
                "email\n" + "\n".join(f"kill{i}@example.com" for i in range(ROWS)) + "\n"
            )
            temporal = dev_env.client.service_client.config.target_host
            env = worker_env(
                tmp_path, f"sqlite:///{tmp_path / 'app.db'}", temporal,
                f"tiktok-ads-kill-{uuid.uuid4().hex[:8]}", sim.base_url, audience_stream_batch=str(BATCH),
            )  # fmt: skip
            task_queue = env["TTADS_TASK_QUEUE"]
            workers = Workers(env, tmp_path)

            try:
                first = workers.start()
                handle = await dev_env.client.start_workflow(
                    "AudienceSync",
                    {
                        "advertiser_id": DEMO_ADVERTISER,
                        "api_mode": "STREAMING",
                        "audience_names": "kill-test",
                        "thread_count": THREADS,
                        "source": {"path": str(tmp_path / "rows.csv")},
                    },
                    id=f"audience-kill-{uuid.uuid4().hex[:6]}",
                    task_queue=task_queue,
                    result_type=AudienceSyncResult,
                )
                deadline = asyncio.get_running_loop().time() + 60
                while (await http.get("/sim/stats")).json()["requests_by_path"].get(
                    "segment/mapping/", 0
                ) < KILL_AFTER:
                    assert first.poll() is None, f"worker exited early\n{tail(workers.logs)}"
                    assert asyncio.get_running_loop().time() < deadline, tail(workers.logs)
                    await asyncio.sleep(0.05)
                os.kill(first.pid, signal.SIGKILL)
                await asyncio.to_thread(first.wait, 10)
                workers.start()
                result = await asyncio.wait_for(handle.result(), timeout=150)
            finally:
                await asyncio.to_thread(workers.stop)
            stats = (await http.get("/sim/stats")).json()
            audiences = (await http.get("/sim/audiences", params={"advertiser_id": DEMO_ADVERTISER})).json()

    chunks = ROWS // BATCH
    sends = {k: n for k, n in stats["idempotency_keys"].items() if "/stream/" in k}
    assert len(sends) == chunks, tail(workers.logs)  # every chunk was sent
    resent = sum(n - 1 for n in sends.values())
    assert resent <= THREADS, sends  # only chunks in flight at the kill went twice
    assert stats["requests_by_path"]["segment/mapping/"] == chunks + resent
    assert result.resent_skipped >= KILL_AFTER - THREADS  # acknowledged before the kill: skipped
    assert result.valid == ROWS and result.chunks == chunks
    assert [a["held"] for a in audiences if a["name"] == "kill-test"] == [ROWS]
    assert len([a for a in audiences if a["name"] == "kill-test"]) == 1  # the segment was created once
