"""A creative is uploaded exactly once although its worker is SIGKILLed mid-upload: TikTok
made the video but the answer never reached the worker (the simulator holds it back), a new
worker retries the upload with the same key, TikTok refuses the tagged name as a duplicate
(40911) and the connector finds the first video by name. The pool item was ``validated``
before the upload and becomes ``uploaded`` with that one video.

The simulator's idempotency honouring stays OFF, so no re-send is hidden by a replayed answer;
the killed attempt is retried after the ingest's 30 s heartbeat timeout.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from models.creative_ingest import CreativeIngestResult
from simulator import SimulatorServer
from simulator.scenario import demo_scenario
from tests.creatives.test_spec import make_video
from tests.integration.processes import Workers, seed_store, tail, worker_env
from tests.workflows.helpers import DEMO_ADVERTISER

pytestmark = pytest.mark.integration


def _pool_rows(db: Path, name: str) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT state, creative_id FROM creative_pool WHERE source LIKE ?", (f"%{name}",))
        return list(rows.fetchall())


async def test_a_killed_upload_makes_one_video(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    scenario = demo_scenario().model_copy(
        update={"video_processing_seconds": 3.0, "video_processing_checks": 99}
    )
    clip = make_video(tmp_path / f"kill-{uuid.uuid4().hex[:6]}.mp4")
    with SimulatorServer(scenario, port=0) as sim:
        async with httpx.AsyncClient(base_url=sim.base_url, timeout=10) as http:
            (await http.post("/sim/idempotency", json={"enabled": False})).raise_for_status()
            held = {
                "kind": "delay_after_mutation",
                "seconds": 8,
                "path": "file/video/ad/upload/",
                "max_count": 1,
            }
            (await http.post("/sim/faults", json={"seed": 1, "rules": [held]})).raise_for_status()
            db = tmp_path / "app.db"
            await seed_store(db, tmp_path)
            env = worker_env(
                tmp_path, f"sqlite:///{db}", dev_env.client.service_client.config.target_host,
                f"tiktok-ads-kill-{uuid.uuid4().hex[:8]}", sim.base_url,
            )  # fmt: skip
            task_queue = env["TTADS_TASK_QUEUE"]
            workers = Workers(env, tmp_path)

            try:
                first = workers.start()
                handle = await dev_env.client.start_workflow(
                    "CreativeIngest",
                    {"advertiser_id": DEMO_ADVERTISER, "assets": [{"path": str(clip), "ad_text": "Spring"}]},
                    id=f"ingest-kill-{uuid.uuid4().hex[:6]}",
                    task_queue=task_queue,
                    result_type=CreativeIngestResult,
                )
                deadline = asyncio.get_running_loop().time() + 60
                while (await http.get("/sim/stats")).json()["created"].get("video", 0) < 1:
                    assert first.poll() is None, f"worker exited early\n{tail(workers.logs)}"
                    assert asyncio.get_running_loop().time() < deadline, tail(workers.logs)
                    await asyncio.sleep(0.05)
                os.kill(first.pid, signal.SIGKILL)  # TikTok made the video; its answer is held back
                await asyncio.to_thread(first.wait, 10)
                at_kill = _pool_rows(db, clip.name)
                workers.start()
                result = await asyncio.wait_for(handle.result(), timeout=150)
            finally:
                await asyncio.to_thread(workers.stop)
            stats = (await http.get("/sim/stats")).json()

    (asset,) = result.assets
    assert asset.state == "uploaded" and asset.creative_id, tail(workers.logs)
    assert stats["created"]["video"] == 1  # one video, although it was sent twice
    assert stats["requests_by_path"]["file/video/ad/upload/"] == 2
    assert stats["codes"].get("40911") == 1  # the second send: TikTok refused the duplicate name
    assert at_kill == [("validated", None)]  # checked and kept before anything was uploaded
    assert _pool_rows(db, clip.name) == [("uploaded", asset.creative_id)]
