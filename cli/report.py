"""``starter.py report --advertiser ID``: spend, conversions and CPA per day with the
optimization cycles that changed something marked, as a PNG and an HTML page, from the
store (the rows the cycles pulled and the cycles they recorded). Reads only.
``starter.py report export``: the daily report's rows as CSV or Excel (``daily-report export``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from cli.common import EXIT_BAD_INPUT, console, err, open_store
from cli.daily_report import export

report_app = typer.Typer(invoke_without_command=True, help="Charts and exports of an advertiser's days.")
report_app.command("export")(export)


@report_app.callback()
def report(
    ctx: typer.Context,
    advertiser: Annotated[str | None, typer.Option(help="TikTok advertiser id")] = None,
    days: Annotated[int, typer.Option(min=1, max=400, help="days up to the last one pulled")] = 28,
    out: Annotated[Path, typer.Option(help="folder for report-<advertiser>.png and .html")] = Path("."),
    target_cpa: Annotated[float | None, typer.Option(help="draw the target CPA")] = None,
) -> None:
    """Chart the advertiser's days and mark the cycles' decisions (PNG and HTML); ``export``
    writes the daily report's rows as CSV or Excel."""
    if ctx.invoked_subcommand is not None:
        return
    if advertiser is None:
        err.print("--advertiser: required (or: report export ADVERTISER --from ... --to ... -o FILE)")
        raise typer.Exit(EXIT_BAD_INPUT)
    from reporting.chart import Day, Decision, write
    from store import cycles, reports

    async def go() -> tuple[list[Day], list[Decision]]:
        async with open_store() as store, store.session() as session:
            last = await reports.latest_day(session, advertiser)
            if last is None:
                raise LookupError(
                    f"no report rows for advertiser {advertiser}: let a cycle pull them first "
                    f"(starter.py schedule trigger {advertiser})"
                )
            first = last - timedelta(days=days - 1)
            totals = await reports.daily_totals(session, advertiser, first, last)
            runs = await cycles.runs(session, advertiser, first, last)
        by_day = {d: (s, c) for d, s, c in totals}
        start = min(by_day, default=first)  # from the first day with rows, not weeks of nothing
        span = (start + timedelta(days=i) for i in range((last - start).days + 1))
        series = [Day(d, *by_day.get(d, (0.0, 0.0))) for d in span]
        marks = [Decision(r.workflow_id, r.as_of, r.applied, r.gated, list(r.notes)) for r in runs]
        return series, marks

    try:
        series, marks = asyncio.run(go())
    except LookupError as exc:
        err.print(Text(str(exc)))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    png, page = write(out, advertiser, series, marks, target_cpa)
    console.print(
        Text(f"{len(series)} day(s), {len(marks)} cycle(s) that changed something: {png} and {page}")
    )
