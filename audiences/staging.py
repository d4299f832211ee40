"""Read a source once into the spool: checked, normalised and hashed, ready to send.

CUSTOMER_FILE: the single ``id`` column, hashed as ``encryption_type`` says, written into
``part-00001.txt``... files of at most ``max_file_bytes`` each (one digest per line).
STREAMING: the Treasure Data columns (email, phone, idfa, aaid and their hashed variants),
one JSON line per person whose cells line up with ``id_schema``. Only digests reach the
disk. ``staged.json`` marks a finished stage; a retry finds it and reads nothing again.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO

from audiences.identifiers import Algorithm, Invalid, Kind, hashed, prehashed
from audiences.source import RowSource, SourceError
from models.audience_runs import InvalidRow, Staged
from models.audiences import STREAMING_COLUMNS, AudienceSyncInput

MARKER = "staged.json"
ROWS_FILE = "rows.jsonl"
SCHEMA_ORDER = ("EMAIL_SHA256", "PHONE_SHA256", "IDFA_SHA256", "IDFA_MD5", "AAID_SHA256", "AAID_MD5")
# encryption_type -> (what the id is, how it is hashed)
FILE_TYPES: dict[str, tuple[Kind, Algorithm]] = {
    "EMAIL_SHA256": ("email", "sha256"),
    "PHONE_SHA256": ("phone", "sha256"),
    "IDFA_SHA256": ("maid", "sha256"),
    "IDFA_MD5": ("maid", "md5"),
    "GAID_SHA256": ("maid", "sha256"),
    "GAID_MD5": ("maid", "md5"),
    "FIRST_SHA256": ("first", "sha256"),
    "FIRST_MD5": ("first", "md5"),
}
RAW_COLUMNS: dict[str, Kind] = {"email": "email", "phone": "phone", "idfa": "maid", "aaid": "maid"}

Progress = Callable[[int], None]


class StageRefused(Exception):
    """The source does not fit the job (columns, size): the message names what and why."""


def part_name(index: int) -> str:
    return f"part-{index + 1:05d}.txt"


async def empty_folder(folder: Path) -> None:
    """``folder``, created empty (what an unfinished stage left there is removed)."""
    await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
    await asyncio.to_thread(folder.mkdir, parents=True)


def load_staged(folder: Path) -> Staged | None:
    marker = folder / MARKER
    return Staged.model_validate_json(marker.read_text()) if marker.is_file() else None


async def stage(
    sync: AudienceSyncInput,
    source: RowSource,
    folder: Path,
    run_key: str,
    *,
    max_file_bytes: int,
    max_files: int,
    batch_size: int,
    progress: Progress | None = None,
) -> Staged:
    """Stage ``source`` into ``folder`` (reusing a finished stage there)."""
    done = load_staged(folder)
    if done is not None:
        return done
    await empty_folder(folder)
    staged = Staged(run_key=run_key, batch_size=batch_size)
    invalid: Counter[str] = Counter()
    writer = _Writer(folder, max_file_bytes) if sync.api_mode == "CUSTOMER_FILE" else None
    lines: IO[str] | None = None
    try:
        async for number, row in source.rows():
            if number == 1:
                staged.id_schema = _check_columns(sync, source.columns)
                if writer is None:
                    lines = (folder / ROWS_FILE).open("w", encoding="utf-8")
            staged.rows = number
            if progress and number % 10_000 == 0:
                progress(number)
            if writer is not None:
                kind, algorithm = FILE_TYPES[str(sync.encryption_type)]
                result = hashed(row.get("id"), kind, algorithm)
                problem = ("id", result) if isinstance(result, Invalid) else None
            else:
                cells, problem = _streaming_cells(row, staged.id_schema)
            if problem is not None:
                invalid[problem[1].reason] += 1
                if staged.first_invalid is None:
                    staged.first_invalid = InvalidRow(row=number, column=problem[0], reason=problem[1].reason)
                if not sync.skip_invalid_record:
                    staged.stopped = True
                    break
                continue
            staged.valid += 1
            if writer is not None:
                writer.write(str(result))
                if len(writer.sizes) > max_files:
                    raise StageRefused(
                        f"source: more than {max_files} files of {max_file_bytes} bytes "
                        f"(TikTok's limit per audience) after {number} rows"
                    )
            elif lines is not None:
                lines.write(json.dumps(cells, separators=(",", ":")) + "\n")
    except SourceError as exc:
        raise StageRefused(str(exc)) from exc
    finally:
        if writer is not None:
            writer.close()
        if lines is not None:
            lines.close()
    if staged.rows == 0:
        staged.id_schema = _check_columns(sync, source.columns) if source.columns else []
    staged.invalid = dict(invalid)
    staged.calculate_type = sync.encryption_type
    if writer is not None:
        staged.part_bytes = writer.sizes
    else:
        staged.chunks = -(-staged.valid // batch_size)
    if not staged.stopped:
        (folder / MARKER).write_text(staged.model_dump_json())
    return staged


def _check_columns(sync: AudienceSyncInput, columns: list[str]) -> list[str]:
    """STREAMING's id_schema from the columns; refuses columns the mode does not take."""
    if sync.api_mode == "CUSTOMER_FILE":
        if columns != ["id"]:
            raise StageRefused(f"source: CUSTOMER_FILE takes exactly one column named id; found {columns}")
        return []
    unknown = [c for c in columns if c not in STREAMING_COLUMNS]
    if unknown or not columns:
        allowed = ", ".join(STREAMING_COLUMNS)
        raise StageRefused(f"source: STREAMING takes the columns {allowed}; unknown: {unknown or columns}")
    present = {STREAMING_COLUMNS[c] for c in columns}
    return [schema for schema in SCHEMA_ORDER if schema in present]


def _streaming_cells(
    row: dict[str, str | None], schema: list[str]
) -> tuple[list[str | None], tuple[str, Invalid] | None]:
    """One person's digests by ``schema``; the first malformed non-empty cell makes the row invalid."""
    cells: dict[str, str] = {}
    for column, value in row.items():
        if value is None:
            continue
        target = STREAMING_COLUMNS[column]
        algorithm: Algorithm = "md5" if target.endswith("_MD5") else "sha256"
        kind = RAW_COLUMNS.get(column)
        result = hashed(value, kind, algorithm) if kind else prehashed(value, algorithm)
        if isinstance(result, Invalid):
            return [], (column, result)
        cells.setdefault(target, result)
    if not cells:
        return [], ("*", Invalid("no_identifier"))
    return [cells.get(name) for name in schema], None


class _Writer:
    """Customer-file parts of at most ``limit`` bytes, one digest per line."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.limit = limit
        self.sizes: list[int] = []
        self._handle: IO[str] | None = None

    def write(self, digest: str) -> None:
        line = digest + "\n"
        if self._handle is None or self.sizes[-1] + len(line) > self.limit:
            self.close()
            self._handle = (self.folder / part_name(len(self.sizes))).open("w", encoding="ascii")
            self.sizes.append(0)
        self._handle.write(line)
        self.sizes[-1] += len(line)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
