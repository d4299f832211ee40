"""Exports of the warehouse rows (``daily_stat``): CSV for anything, Excel for people.

One row per object and day with the core columns and every metric that was pulled, in a
stable column order (keys, core numbers, then the metrics alphabetically)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.warehouse_tables import DailyStatRow

KEYS = ("day", "level", "object_id", "name", "campaign_id", "adgroup_id", "final")
CORE = ("spend", "impressions", "clicks", "conversions", "reach", "video_views")


def table(rows: Sequence[DailyStatRow]) -> tuple[list[str], list[list[Any]]]:
    """Header and values of ``rows``."""
    metrics = sorted(
        {m for r in rows for m in r.metrics} - set(CORE) - {"spend", "impressions", "clicks", "reach"}
    )
    header = [*KEYS, *CORE, *metrics]
    values = [
        [*(getattr(r, k) for k in KEYS), *(getattr(r, c) for c in CORE), *(r.metrics.get(m) for m in metrics)]
        for r in rows
    ]
    return header, values


def write(rows: Sequence[DailyStatRow], path: Path) -> Path:
    """Write ``rows`` as CSV or, for a ``.xlsx`` path, an Excel sheet with a header row."""
    header, values = table(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook  # only Excel exports pay for the import

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "daily_stat"
        sheet.append(header)
        for line in values:
            sheet.append(line)
        sheet.freeze_panes = "A2"
        book.save(path)
        return path
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(values)
    return path
