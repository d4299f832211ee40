"""Worker processes for the kill tests: a free port, the tail of their logs, and a store
seeded the way a worker process reads it (the demo tenant, the advertiser's token encrypted
with the dev key under ``data_dir``)."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

from store import Store, TokenCipher
from store.tokens import save_tokens
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN
from tests.workflows.launch_helpers import seed_tenant


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
