"""Worker processes to kill: ``worker.py`` as operators run it, started, SIGKILLed at random
and started again, each with its own log."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.processes import spawn_worker, stop_workers


@dataclass
class Fleet:
    env: dict[str, str]
    logs: Path
    size: int
    procs: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    started: int = 0
    kills: int = 0

    def __post_init__(self) -> None:
        self.procs = [None] * self.size
        self.logs.mkdir(parents=True, exist_ok=True)

    def start(self, i: int) -> None:
        self.started += 1
        self.procs[i] = spawn_worker(self.env, self.logs / f"worker-{i}-{self.started}.log")

    def start_all(self) -> None:
        for i in range(self.size):
            self.start(i)

    def kill(self, i: int) -> None:
        """SIGKILL worker ``i`` (no cleanup of any kind) and start a new one in its place."""
        proc = self.procs[i]
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            self.kills += 1
        self.start(i)

    def crashed(self) -> list[str]:
        """Workers that exited on their own (every killed one was replaced): their exit codes."""
        return [
            f"worker {i} exited with {p.returncode}"
            for i, p in enumerate(self.procs)
            if p and p.poll() is not None
        ]

    def stop(self) -> None:
        stop_workers([p for p in self.procs if p is not None])
