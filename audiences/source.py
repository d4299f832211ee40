"""Rows of an audience source, streamed: a CSV file, a Parquet file or a SQL query.

Nothing is loaded whole: CSV is read line by line, Parquet batch by batch, a query through a
server-side cursor (``stream``). Column names are lower-cased and trimmed; values are
strings or None. Readers give the event loop a turn every few hundred rows so that the
activity's heartbeats keep flowing while a large file is read.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from models.audiences import AudienceSource

Row = dict[str, str | None]
YIELD_EVERY = 500
PARQUET_BATCH = 10_000


class SourceError(Exception):
    """The source cannot be read (missing file, bad query): names the source and why."""


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    text_value = str(value)
    return text_value if text_value.strip() else None


class RowSource:
    """One source's columns and rows; open with ``async with``."""

    def __init__(self, source: AudienceSource, engine: AsyncEngine | None = None) -> None:
        self.source = source
        self.engine = engine
        self.columns: list[str] = []

    async def rows(self) -> AsyncIterator[tuple[int, Row]]:
        """(row number from 1, row) in source order; ``columns`` is set before the first row."""
        kind = self.source.kind
        if kind == "csv":
            iterator = self._csv()
        elif kind == "parquet":
            iterator = self._parquet()
        else:
            iterator = self._query()
        number = 0
        async for row in iterator:
            number += 1
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            yield number, row

    def _path(self) -> Path:
        path = Path(str(self.source.path))
        if not path.is_file():
            raise SourceError(f"source.path: no such file: {path}")
        return path

    async def _csv(self) -> AsyncIterator[Row]:
        with self._path().open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise SourceError(f"source.path: {self.source.path} is empty (a header row is needed)")
            self.columns = [name.strip().lower() for name in header]
            width = len(self.columns)
            for values in reader:  # a blank line is a row of empty cells (one-column files)
                padded = values + [""] * (width - len(values))
                yield {name: _cell(value) for name, value in zip(self.columns, padded, strict=False)}

    async def _parquet(self) -> AsyncIterator[Row]:
        import pyarrow.parquet as pq  # a heavy import only parquet sources pay for

        try:
            parquet = pq.ParquetFile(self._path())
        except (OSError, ValueError) as exc:
            raise SourceError(f"source.path: not a readable Parquet file: {exc}") from exc
        names = list(parquet.schema_arrow.names)
        self.columns = [name.strip().lower() for name in names]
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH):
            for record in batch.to_pylist():
                yield {column: _cell(record[name]) for column, name in zip(self.columns, names, strict=True)}
            await asyncio.sleep(0)

    async def _query(self) -> AsyncIterator[Row]:
        if self.engine is None:
            raise SourceError("source.query: no database configured")
        async with self.engine.connect() as conn:
            try:
                result = await conn.stream(text(str(self.source.query)))
            except Exception as exc:  # the driver's own error types differ per database
                raise SourceError(f"source.query failed: {str(exc).splitlines()[0]}") from exc
            self.columns = [str(name).strip().lower() for name in result.keys()]
            try:
                async for record in result:
                    yield {column: _cell(value) for column, value in zip(self.columns, record, strict=True)}
            finally:
                await result.close()
                await conn.rollback()  # read only: never commit whatever the query did
