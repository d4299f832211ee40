"""Engine, sessions and migrations for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


MIGRATION_LOCK = 0x7474_6164_73  # "ttads": the advisory lock migrations take turns on


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at this package's migrations, usable without alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Store:
    """Owns the async engine; hands out sessions; runs migrations."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        if url.startswith("sqlite"):
            _ensure_sqlite_dir(url)
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, pool_pre_ping=True)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to ``revision`` (Alembic), on the store's own connection. On
        PostgreSQL, replicas starting together take turns (an advisory lock held by the
        migrating transaction): the second finds the schema done instead of racing to make it."""
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            await conn.run_sync(_run_alembic, self.url, "upgrade", revision)

    async def downgrade(self, revision: str = "base") -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_run_alembic, self.url, "downgrade", revision)

    async def dispose(self) -> None:
        await self.engine.dispose()


def upsert_insert(session: AsyncSession) -> Any:
    """The dialect's ``insert`` construct (with ``on_conflict_do_update`` / ``do_nothing``) for
    the session's backend: PostgreSQL or SQLite."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _run_alembic(connection: Connection, url: str, verb: str, revision: str) -> None:
    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    getattr(command, verb)(cfg, revision)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


SQLITE_BUSY_MS = 60_000


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """WAL lets the dashboard read while a worker writes. SQLite has one writer at a time: a
    writer waits up to 60 s for the others (ten advertisers' cycles storing report pages
    together wait seconds, not fail; measured with bench/optimization_cycle.py)."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()
