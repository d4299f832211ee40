"""Worker processes for the kill tests: their environment, starting one with its own log, a
free port, the tail of their logs, and a store seeded the way a worker process reads it (the
demo tenant, the advertiser's token encrypted with the dev key under ``data_dir``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from store import Store, TokenCipher
from store.tokens import save_tokens
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN
from tests.workflows.launch_helpers import seed_tenant

ROOT = Path(__file__).resolve().parents[2]


def worker_env(
    data_dir: Path, database_url: str, temporal: str, task_queue: str, tiktok_url: str, **extra: str
) -> dict[str, str]:
    """``worker.py``'s environment: dev keys under ``data_dir``, the store, the server, the
    queue, the simulator; ``extra`` adds ``TTADS_*`` settings (``http_timeout_seconds="5"``)."""
    env = {
        **os.environ,
        "TTADS_ENVIRONMENT": "dev",
        "TTADS_DATA_DIR": str(data_dir),
        "TTADS_DATABASE_URL": database_url,
        "TTADS_TEMPORAL_ADDRESS": temporal,
        "TTADS_TASK_QUEUE": task_queue,
        "TTADS_TIKTOK_BASE_URL": tiktok_url,
        "TTADS_LOG_LEVEL": "WARNING",
        **{f"TTADS_{k.upper()}": v for k, v in extra.items()},
    }
    env.pop("DATABASE_URL", None)
    return env


def spawn_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``python worker.py`` as operators run it, its output in ``log``, metrics on a free port."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "worker.py"],
            cwd=ROOT,
            env={**env, "TTADS_METRICS_PORT": str(free_port())},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@dataclass
class Workers:
    """Worker processes started one after another, each with its own log (the kill tests')."""

    env: dict[str, str]
    folder: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def start(self) -> subprocess.Popen[bytes]:
        self.logs.append(self.folder / f"worker-{len(self.procs) + 1}.log")
        self.procs.append(spawn_worker(self.env, self.logs[-1]))
        return self.procs[-1]

    def stop(self) -> None:
        stop_workers(self.procs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(paths: list[Path], lines: int = 40) -> str:
    out = []
    for p in paths:
        if p.exists():
            out.append(f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-lines:]))
    return "\n".join(out)


async def seed_store(db_file: Path, data_dir: Path) -> None:
    """The worker's store: the demo tenant with its roles, and the advertiser's token encrypted
    with the dev key the worker process reads from ``data_dir/token.key``."""
    store = Store(f"sqlite+aiosqlite:///{db_file.as_posix()}")
    try:
        await store.migrate()
        await seed_tenant(store)
        cipher = TokenCipher.from_settings(None, "dev", data_dir)
        async with store.session() as s:
            await save_tokens(
                s, cipher, advertiser_id=DEMO_ADVERTISER, app_id="demo-app", access_token=DEMO_TOKEN
            )
    finally:
        await store.dispose()


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every worker still running, then wait (and kill one that hangs)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(50)  # then kill: an activity still running would hold a graceful stop 150 s
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
