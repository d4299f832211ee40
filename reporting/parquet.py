"""Daily Parquet files for a warehouse: one file per advertiser, level and day, in Hive
partition folders (``advertiser_id=<id>/level=<level>/day=<YYYY-MM-DD>/part-0.parquet``)
that BigQuery, Snowflake, Redshift Spectrum and DuckDB read as partitions. A re-pulled day
replaces its file (written beside it, then renamed)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

KEYS = ("advertiser_id", "level", "object_id", "day", "campaign_id", "adgroup_id", "name")


def day_path(root: Path, advertiser_id: str, level: str, day: date) -> Path:
    return (
        root
        / f"advertiser_id={advertiser_id}"
        / f"level={level}"
        / f"day={day.isoformat()}"
        / "part-0.parquet"
    )


def write_day(
    root: Path,
    advertiser_id: str,
    level: str,
    day: date,
    rows: list[dict[str, Any]],
    metrics: tuple[str, ...],
) -> Path:
    """Write the day's rows (keys as strings, metrics as float64, null when TikTok gave none)."""
    columns: dict[str, Any] = {key: pa.array([r.get(key) for r in rows], pa.string()) for key in KEYS}
    for metric in metrics:
        columns[metric] = pa.array([r.get(metric) for r in rows], pa.float64())
    columns["final"] = pa.array([bool(r.get("final")) for r in rows], pa.bool_())
    path = day_path(root, advertiser_id, level, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(pa.table(columns), tmp)
    os.replace(tmp, path)
    return path
