"""Running the CLI in-process against a store of the test's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typer.testing import CliRunner

from starter import app


def cli(env: dict[str, str]) -> Callable[..., Any]:
    """``run(*args)``: ``starter.py args`` with ``env``, settings read afresh for it (they are
    cached per process) and forgotten afterwards."""
    import settings

    runner = CliRunner()

    def run(*args: str) -> Any:
        settings.get_settings.cache_clear()
        try:
            return runner.invoke(app, list(args), env=env)
        finally:
            settings.get_settings.cache_clear()

    return run
