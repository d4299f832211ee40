"""Custom audiences and their members (and the Events API's events, which share the
database), kept in SQLite beside the state file.

The JSON state is rewritten on every mutating request; an audience of a million hashed
identifiers cannot live there. This book keeps audiences, their members and uploaded
customer files in one SQLite database (``<state file>.audiences.db``, or in memory when the
simulator has no state file) and answers set operations (APPEND, REMOVE, REPLACE) in SQL.

Matching: TikTok matches a hashed identifier to a user or not; here an identifier matches
when a hash of it falls below ``match_rate`` (deterministic, so sizes are reproducible).
An audience's ``cover_num`` counts matched identifiers. Limits are TikTok's (50 MB per
file, 500 files per audience, 400 audiences per advertiser, 1,000 members to target) and
can be changed through ``POST /sim/audiences`` so that tests stay small.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA = """
CREATE TABLE IF NOT EXISTS audience (
    audience_id TEXT PRIMARY KEY, advertiser_id TEXT NOT NULL, name TEXT NOT NULL,
    kind TEXT NOT NULL, calculate_type TEXT, files INTEGER NOT NULL DEFAULT 0,
    retention_in_days INTEGER, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS member (
    audience_id TEXT NOT NULL, hash TEXT NOT NULL, matched INTEGER NOT NULL,
    PRIMARY KEY (audience_id, hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS upload (
    file_path TEXT PRIMARY KEY, advertiser_id TEXT NOT NULL, calculate_type TEXT NOT NULL,
    lines INTEGER NOT NULL, valid INTEGER NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, source_id TEXT NOT NULL,
    event TEXT NOT NULL, event_id TEXT, event_time INTEGER NOT NULL, test_code TEXT,
    received REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS event_dedup
    ON event (source_id, event_id, event) WHERE event_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS upload_hash (
    file_path TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (file_path, hash)
) WITHOUT ROWID;
"""

CALCULATE_TYPES = (
    "EMAIL_SHA256", "PHONE_SHA256", "IDFA_MD5", "IDFA_SHA256", "GAID_MD5", "GAID_SHA256",
    "FIRST_MD5", "FIRST_SHA256", "MAID_MD5", "MAID_SHA256", "MULTIPLE_TYPES",
)  # fmt: skip
ID_SCHEMAS = ("EMAIL_SHA256", "PHONE_SHA256", "IDFA_SHA256", "IDFA_MD5", "AAID_SHA256", "AAID_MD5")
HEX = re.compile(r"^[0-9a-f]+$")


def hash_length(type_name: str) -> int | None:
    """Hex digits a hashed identifier of this type has (64 SHA-256, 32 MD5), None if mixed."""
    if type_name.endswith("_SHA256"):
        return 64
    if type_name.endswith("_MD5"):
        return 32
    return None


def well_formed(value: str, type_name: str) -> bool:
    length = hash_length(type_name)
    if length is None:
        return bool(HEX.match(value)) and len(value) in (32, 64)
    return len(value) == length and bool(HEX.match(value))


class AudienceLimits(BaseModel):
    """TikTok's audience limits, and how many identifiers match a TikTok user."""

    model_config = ConfigDict(extra="forbid")

    max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    max_files_per_audience: int = Field(default=500, ge=1)
    max_files_per_request: int = Field(default=50, ge=1)
    max_audiences: int = Field(default=400, ge=1)
    min_size: int = Field(default=1000, ge=0)
    mapping_batch_max: int = Field(default=1000, ge=1)
    match_rate: float = Field(default=0.8, ge=0, le=1)


@dataclass(frozen=True)
class Audience:
    audience_id: str
    advertiser_id: str
    name: str
    kind: str  # "file" (customer file) or "segment" (streaming)
    calculate_type: str | None
    files: int
    retention_in_days: int | None
    created: float
    updated: float


class AudienceBook:
    """Audiences, members and uploads of one simulator."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.limits = AudienceLimits()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            str(self.path) if self.path else ":memory:", isolation_level=None, check_same_thread=False
        )
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        return db

    def clear(self) -> None:
        for table in ("audience", "member", "upload", "upload_hash", "event"):
            self._db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        self._db.close()

    def matched(self, value: str) -> int:
        bucket = int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big") / 2**32
        return int(bucket < self.limits.match_rate)

    # -- audiences -----------------------------------------------------------------------------
    def create(
        self,
        audience_id: str,
        advertiser_id: str,
        name: str,
        kind: str,
        calculate_type: str | None,
        retention_in_days: int | None = None,
    ) -> None:
        now = time.time()
        self._db.execute(
            "INSERT INTO audience VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
            (audience_id, advertiser_id, name, kind, calculate_type, retention_in_days, now, now),
        )

    def get(self, audience_id: str) -> Audience | None:
        row = self._db.execute("SELECT * FROM audience WHERE audience_id = ?", (audience_id,)).fetchone()
        return Audience(*row) if row else None

    def of_advertiser(self, advertiser_id: str) -> list[Audience]:
        rows = self._db.execute(
            "SELECT * FROM audience WHERE advertiser_id = ? ORDER BY created, audience_id", (advertiser_id,)
        ).fetchall()
        return [Audience(*row) for row in rows]

    def count(self, advertiser_id: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM audience WHERE advertiser_id = ?", (advertiser_id,))
        return int(row.fetchone()[0])

    def rename(self, audience_id: str, name: str) -> None:
        self._db.execute(
            "UPDATE audience SET name = ?, updated = ? WHERE audience_id = ?",
            (name, time.time(), audience_id),
        )

    def delete(self, audience_id: str) -> None:
        with self._tx():
            self._db.execute("DELETE FROM member WHERE audience_id = ?", (audience_id,))
            self._db.execute("DELETE FROM audience WHERE audience_id = ?", (audience_id,))

    def sizes(self, audience_id: str) -> tuple[int, int]:
        """(identifiers held, identifiers matched to a TikTok user)."""
        row = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(matched), 0) FROM member WHERE audience_id = ?", (audience_id,)
        ).fetchone()
        return int(row[0]), int(row[1])

    def contains(self, audience_id: str, value: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM member WHERE audience_id = ? AND hash = ?", (audience_id, value)
        )
        return row.fetchone() is not None

    # -- customer files ------------------------------------------------------------------------
    def store_upload(self, file_path: str, advertiser_id: str, calculate_type: str, data: bytes) -> int:
        """Keep an uploaded file's well-formed identifiers; how many lines it had."""
        lines = [line.strip().lower() for line in data.decode("utf-8", "replace").splitlines()]
        lines = [line for line in lines if line]
        valid = [line for line in lines if well_formed(line, calculate_type)]
        with self._tx():
            self._db.execute(
                "INSERT INTO upload VALUES (?, ?, ?, ?, ?, ?)",
                (file_path, advertiser_id, calculate_type, len(lines), len(valid), time.time()),
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO upload_hash VALUES (?, ?)", ((file_path, v) for v in valid)
            )
        return len(lines)

    def upload(self, file_path: str) -> tuple[str, str] | None:
        """(advertiser, calculate type) of an uploaded file, None if unknown."""
        row = self._db.execute(
            "SELECT advertiser_id, calculate_type FROM upload WHERE file_path = ?", (file_path,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def apply_files(
        self, audience_id: str, file_paths: list[str], action: str, *, enforce_minimum: bool = True
    ) -> tuple[int, int]:
        """APPEND, REMOVE or REPLACE members from uploaded files, refusing (and undoing) a result
        below the targeting minimum; the audience's (held, matched) sizes after."""
        marks = ",".join("?" for _ in file_paths)
        with self._tx():
            if action == "REPLACE":
                self._db.execute("DELETE FROM member WHERE audience_id = ?", (audience_id,))
            if action == "REMOVE":
                self._db.execute(
                    f"DELETE FROM member WHERE audience_id = ? AND hash IN "
                    f"(SELECT hash FROM upload_hash WHERE file_path IN ({marks}))",
                    (audience_id, *file_paths),
                )
            else:
                rows = self._db.execute(
                    f"SELECT DISTINCT hash FROM upload_hash WHERE file_path IN ({marks})",
                    file_paths,
                ).fetchall()
                self._insert(audience_id, (row[0] for row in rows))
            self._db.execute(
                "UPDATE audience SET files = files + ?, updated = ? WHERE audience_id = ?",
                (len(file_paths), time.time(), audience_id),
            )
            held, matched = self.sizes(audience_id)
            if enforce_minimum and matched < self.limits.min_size:
                raise BelowMinimum(matched)
        return held, matched

    # -- streaming -------------------------------------------------------------------------------
    def add_members(self, audience_id: str, values: Iterable[str]) -> None:
        with self._tx():
            self._insert(audience_id, values)
            self._db.execute(
                "UPDATE audience SET updated = ? WHERE audience_id = ?", (time.time(), audience_id)
            )

    def remove_members(self, audience_id: str, values: Iterable[str]) -> None:
        with self._tx():
            self._db.executemany(
                "DELETE FROM member WHERE audience_id = ? AND hash = ?", ((audience_id, v) for v in values)
            )
            self._db.execute(
                "UPDATE audience SET updated = ? WHERE audience_id = ?", (time.time(), audience_id)
            )

    # -- events (Events API) -------------------------------------------------------------------
    def record_events(
        self, source: str, source_id: str, test_code: str | None, events: list[tuple[str, str | None, int]]
    ) -> int:
        """Keep one request's events; a repeated (source, event_id, event) is a duplicate. How
        many were new."""
        before = self._db.total_changes
        now = time.time()
        with self._tx():
            self._db.executemany(
                "INSERT OR IGNORE INTO event (source, source_id, event, event_id, event_time, test_code, "
                "received) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (source, source_id, name, event_id, moment, test_code, now)
                    for name, event_id, moment in events
                ),
            )
        return self._db.total_changes - before

    def events(self, source_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT event, event_id, event_time, test_code FROM event WHERE source_id = ? ORDER BY seq",
            (source_id,),
        ).fetchall()
        return [{"event": r[0], "event_id": r[1], "event_time": r[2], "test_event_code": r[3]} for r in rows]

    def _touch(self, audience_id: str) -> None:
        self._db.execute("UPDATE audience SET updated = ? WHERE audience_id = ?", (time.time(), audience_id))

    def _insert(self, audience_id: str, values: Iterable[str]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO member VALUES (?, ?, ?)",
            ((audience_id, v, self.matched(v)) for v in values),
        )

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)

    def view(self, audience: Audience) -> dict[str, Any]:
        """The audience as ``dmp/custom_audience/list|get`` show it."""
        _held, matched = self.sizes(audience.audience_id)
        return {
            "audience_id": audience.audience_id,
            "custom_audience_id": audience.audience_id,
            "name": audience.name,
            "audience_type": "Customer File" if audience.kind == "file" else "Partner Audience",
            "calculate_type": audience.calculate_type,
            "cover_num": matched,
            "is_valid": True,
            "is_expiring": False,
            "is_creator": True,
            "shared": False,
            "create_time": _fmt(audience.created),
            "update_time": _fmt(audience.updated),
            "expired_time": None,
            "file_count": audience.files,
            "retention_in_days": audience.retention_in_days,
        }


class BelowMinimum(Exception):
    """An update would leave fewer matched members than TikTok needs to target the audience."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN")

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _fmt(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))
