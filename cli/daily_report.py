"""``starter.py daily-report run | schedule``: pull an advertiser's day into the warehouse now,
or keep the daily schedule ``daily-report-<advertiser>``."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import console, run_client, start_and_show, store_session
from models.daily_report import DailyReportInput
from models.workflows import DAILY_REPORT, daily_report_schedule_id
from settings import get_settings
from temporal_client import connect

daily_report_app = typer.Typer(help="DailyReport: the previous day's data into the warehouse and Parquet.")


@daily_report_app.command("run")
def run(
    advertiser_id: str,
    day: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: yesterday in TikTok's time)")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait")] = True,
) -> None:
    """Run a DailyReport now."""
    inp = DailyReportInput(advertiser_id=advertiser_id, day=date.fromisoformat(day) if day else None)
    start_and_show(
        DAILY_REPORT, inp, f"daily-report-{advertiser_id}-manual-{uuid.uuid4().hex[:6]}", wait=wait
    )


@daily_report_app.command("schedule")
def schedule(
    advertiser_id: str,
    hour_utc: Annotated[int, typer.Option(min=0, max=23, help="the hour it runs, UTC")] = 1,
) -> None:
    """Create (or update) the schedule ``daily-report-<advertiser>``."""
    from schedules import ensure_daily_report_schedule

    settings = get_settings()

    async def go() -> bool:
        return await ensure_daily_report_schedule(
            await connect(settings), settings, advertiser_id, hour_utc=hour_utc
        )

    created = run_client(go)
    verb = "created" if created else "updated"
    console.print(f"{verb} schedule {daily_report_schedule_id(advertiser_id)} at {hour_utc:02d}:00 UTC")


@daily_report_app.command("export")
def export(
    advertiser_id: str,
    first: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    last: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
    out: Annotated[Path, typer.Option("--out", "-o", help="a .csv or .xlsx file")],
    level: Annotated[str | None, typer.Option(help="campaign, adgroup or ad (default: all)")] = None,
) -> None:
    """Export the warehouse rows of the days (as the DailyReport runs stored them)."""
    from reporting.export import write
    from store import warehouse

    async def go() -> list[Any]:
        async with store_session() as session:
            return await warehouse.rows_between(
                session, advertiser_id, date.fromisoformat(first), date.fromisoformat(last), level
            )

    rows = asyncio.run(go())
    write(rows, out)
    console.print(f"{len(rows)} rows written to {out}")
