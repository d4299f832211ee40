"""Test databases: a throw-away PostgreSQL database when DATABASE_URL points at a server,
otherwise SQLite files. CI sets DATABASE_URL, so there the store tests run on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from settings import Settings

LOCAL_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def configured_url() -> str | None:
    """DATABASE_URL (or TTADS_DATABASE_URL) normalised to the async driver, if set."""
    if not (os.environ.get("DATABASE_URL") or os.environ.get("TTADS_DATABASE_URL")):
        return None
    return Settings().database_url


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def postgres_reachable(url: str = LOCAL_PG) -> bool:
    try:
        conn = await asyncpg.connect(_dsn(url), timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


@asynccontextmanager
async def fresh_postgres(server_url: str) -> AsyncIterator[str]:
    """Create an empty database on the server of ``server_url``; drop it afterwards."""
    name = f"ttads_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = server_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(_dsn(server_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{(folder / f'{uuid.uuid4().hex[:8]}.db').as_posix()}"


async def postgres_server() -> str:
    """The PostgreSQL server to test on: DATABASE_URL's, or the local one. Skips where none is
    reachable, except in CI, which must reach it."""
    import pytest

    server = configured_url() or LOCAL_PG
    if not server.startswith("postgresql") or not await postgres_reachable(server):
        if os.environ.get("CI"):
            pytest.fail("CI must reach PostgreSQL at DATABASE_URL")
        pytest.skip("no PostgreSQL reachable here; CI runs this")
    return server
