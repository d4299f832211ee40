"""Reports: the synchronous integrated report, split into TikTok's windows, and the
asynchronous report task (create, poll with backoff, download) for large reports.

TikTok caps one query at 30 days with ``stat_time_day``, 1 day with ``stat_time_hour``
and 365 days otherwise; the helper splits the range and, if TikTok still refuses the
window (40067), halves it and tries again.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from connector.client import TikTokClient
from connector.errors import InvalidRequest, Transient, UnknownApiError
from connector.heartbeat import sleep_with_heartbeat
from models.tiktok import PageInfo

WINDOW_TOO_LARGE = 40067
REPORT_PAGE_SIZE = 1000
PAGES_IN_FLIGHT = 5  # a report's pages fetched side by side; the throttle keeps the pace


class ReportRow(BaseModel):
    """One row: dimension values as strings, metric values as numbers (None for "-")."""

    dimensions: dict[str, str]
    metrics: dict[str, float | None] = Field(default_factory=dict)

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> ReportRow:
        return cls(
            dimensions={k: str(v) for k, v in (item.get("dimensions") or {}).items()},
            metrics={k: _number(v) for k, v in (item.get("metrics") or {}).items()},
        )


def _number(value: Any) -> float | None:
    if value is None:
        return None
    text = str(value).strip().rstrip("%")
    if text in ("", "-"):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def max_days(dimensions: Sequence[str]) -> int:
    if "stat_time_hour" in dimensions:
        return 1
    if "stat_time_day" in dimensions:
        return 30
    return 365


def windows(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Inclusive [start, end] cut into consecutive inclusive windows of at most ``days``."""
    if end < start:
        raise ValueError(f"end_date {end} is before start_date {start}")
    out = []
    cursor = start
    while cursor <= end:
        last = min(end, cursor + timedelta(days=days - 1))
        out.append((cursor, last))
        cursor = last + timedelta(days=1)
    return out


async def integrated_report(
    client: TikTokClient,
    advertiser_id: str,
    *,
    data_level: str,
    dimensions: Sequence[str],
    metrics: Sequence[str],
    start: date,
    end: date,
    filtering: list[dict[str, Any]] | None = None,
    window_days: int | None = None,
) -> list[ReportRow]:
    """A BASIC report over any range: split into allowed windows, paged, windows halved on 40067."""
    query = {
        "advertiser_id": advertiser_id,
        "report_type": "BASIC",
        "data_level": data_level,
        "dimensions": list(dimensions),
        "metrics": list(metrics),
        "filtering": filtering,
    }
    rows: list[ReportRow] = []
    for a, b in windows(start, end, window_days or max_days(dimensions)):
        rows.extend(await _window(client, advertiser_id, query, a, b))
    return rows


async def _window(
    client: TikTokClient, advertiser_id: str, query: dict[str, Any], start: date, end: date
) -> list[ReportRow]:
    try:
        return await _pages(client, advertiser_id, {**query, "start_date": str(start), "end_date": str(end)})
    except InvalidRequest as exc:
        span = (end - start).days + 1
        if exc.code != WINDOW_TOO_LARGE or span <= 1:
            raise
        middle = start + timedelta(days=span // 2 - 1)
        first = await _window(client, advertiser_id, query, start, middle)
        return first + await _window(client, advertiser_id, query, middle + timedelta(days=1), end)


async def _pages(client: TikTokClient, advertiser_id: str, params: dict[str, Any]) -> list[ReportRow]:
    """Page 1, then the other pages it announces, ``PAGES_IN_FLIGHT`` at a time (the throttle
    paces them): a 100-page report takes the time its rate limit allows, not 100 round trips."""

    async def page(number: int) -> tuple[list[ReportRow], PageInfo]:
        data = await client.get(
            "report/integrated/get/",
            advertiser_id=advertiser_id,
            params={**params, "page": number, "page_size": REPORT_PAGE_SIZE},
        )
        items = (data or {}).get("list", [])
        return [ReportRow.from_api(item) for item in items], PageInfo.model_validate(
            (data or {}).get("page_info", {})
        )

    rows, info = await page(1)
    if not rows:
        return rows
    gate = asyncio.Semaphore(PAGES_IN_FLIGHT)

    async def rest(number: int) -> list[ReportRow]:
        async with gate:
            return (await page(number))[0]

    try:
        async with asyncio.TaskGroup() as group:  # one page failing cancels the others
            tasks = [group.create_task(rest(n)) for n in range(2, info.total_page + 1)]
    except BaseExceptionGroup as failed:  # callers classify the connector's own errors
        raise failed.exceptions[0] from None
    for task in tasks:
        rows.extend(task.result())
    return rows


async def report_via_task(
    client: TikTokClient,
    advertiser_id: str,
    *,
    data_level: str,
    dimensions: Sequence[str],
    metrics: Sequence[str],
    start: date,
    end: date,
    poll_initial: float = 1.0,
    poll_max: float = 30.0,
    give_up_after: float = 900.0,
    sleep: Callable[[float], Awaitable[None]] = sleep_with_heartbeat,
    text_columns: Sequence[str] = (),
) -> list[ReportRow]:
    """Create an async report task, poll it (1 s doubling to 30 s), download and parse the CSV.
    ``text_columns`` (attribute metrics such as ``campaign_name``) are kept as text, with the
    dimensions."""
    body = {
        "advertiser_id": advertiser_id,
        "report_type": "BASIC",
        "data_level": data_level,
        "dimensions": list(dimensions),
        "metrics": list(metrics),
        "start_date": str(start),
        "end_date": str(end),
        "output_format": "CSV_DOWNLOAD",
    }
    created = await client.post("report/task/create/", advertiser_id=advertiser_id, body=body)
    task = {"advertiser_id": advertiser_id, "task_id": str(created["task_id"])}
    started, delay = time.monotonic(), poll_initial
    while True:
        check = await client.get("report/task/check/", advertiser_id=advertiser_id, params=task)
        status = check.get("status")
        if status == "SUCCESS":
            break
        if status in ("FAILED", "CANCELED"):
            raise UnknownApiError(f"report task {task['task_id']} ended {status}: {check.get('message', '')}")
        if time.monotonic() - started > give_up_after:
            raise Transient(f"report task {task['task_id']} still {status} after {give_up_after:.0f} s")
        await sleep(delay)
        delay = min(delay * 2, poll_max)
    download = await client.get("report/task/download/", advertiser_id=advertiser_id, params=task)
    content = await client.download(download["download_url"])
    return parse_report_csv(content.decode("utf-8-sig"), [*dimensions, *text_columns])


def parse_report_csv(text: str, dimensions: Sequence[str]) -> list[ReportRow]:
    """Rows of a report task's CSV: dimension columns first, then metric columns."""
    reader = csv.DictReader(io.StringIO(text))
    dims = set(dimensions)
    return [
        ReportRow(
            dimensions={k: v for k, v in row.items() if k in dims},
            metrics={k: _number(v) for k, v in row.items() if k not in dims},
        )
        for row in reader
    ]
