"""``starter.py audience sync | list | schedule ...``: run a Treasure Data-style export job
once or on a schedule, and see which audiences the service feeds.

A job file is the JSON of a Treasure Data export (either spelling). A token given in it
(``access_token`` / ``accessToken``) is saved encrypted for the advertiser and replaced by
``__SAVED__`` before anything is started, so no token reaches workflow history.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table
from temporalio.service import RPCError

from cli.common import EXIT_BAD_INPUT, console, err, run_client, start_and_show, store_session
from cli.tokens import save_token
from models.audiences import SAVED_TOKEN, AudienceSyncInput, audience_schedule_id, audience_sync_id
from models.workflows import AUDIENCE_SYNC, describe_validation_error
from settings import get_settings
from temporal_client import connect

audience_app = typer.Typer(
    help="Audience export to TikTok (Treasure Data's parameters): run, schedule, list."
)
schedule_app = typer.Typer(help="Scheduled audience sync jobs (audience-<job_id>).")
audience_app.add_typer(schedule_app, name="schedule")

InputFile = Annotated[Path, typer.Option("--input", "-i", help="the job's JSON (Treasure Data parameters)")]
SourceFile = Annotated[Path | None, typer.Option("--file", help="CSV or Parquet file to read the rows from")]
Query = Annotated[str | None, typer.Option("--query", help="SQL run against DATABASE_URL for the rows")]


def load_job(path: Path, file: Path | None, query: str | None, **extra: Any) -> AudienceSyncInput:
    """The job as ``AudienceSyncInput``; a token in it is saved and replaced; exits on bad input."""
    try:
        raw: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        err.print(f"[red]cannot read {path}:[/] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if file is not None or query is not None:
        raw["source"] = {"path": str(file.resolve())} if file is not None else {"query": query}
    raw.update({k: v for k, v in extra.items() if v is not None})
    token_key = next((k for k in ("access_token", "accessToken") if k in raw), None)
    token = raw.get(token_key) if token_key else None
    if token_key and token != SAVED_TOKEN:
        raw[token_key] = SAVED_TOKEN
    try:
        job = AudienceSyncInput.model_validate(raw)
    except ValidationError as exc:
        err.print(f"[red]invalid {AUDIENCE_SYNC} job[/] ({path}):")
        for line in describe_validation_error(exc):
            err.print(f"  {line}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if isinstance(token, str) and token and token != SAVED_TOKEN:
        asyncio.run(save_token(job.advertiser_id, token))
        console.print(f"the job's access token is saved (encrypted) for advertiser {job.advertiser_id}")
    return job


@audience_app.command("sync")
def sync(
    input: InputFile,
    file: SourceFile = None,
    query: Query = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count and estimate; send nothing")] = False,
    force: Annotated[bool, typer.Option("--force", help="go below the 1,000 targeting minimum")] = False,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="wait for the summary")] = True,
) -> None:
    """Run one export now."""
    job = load_job(input, file, query, dry_run=dry_run or None, force=force or None)
    start_and_show(AUDIENCE_SYNC, job, audience_sync_id(job, uuid.uuid4().hex[:8]), wait=wait)


@audience_app.command("list")
def list_feeds(advertiser: Annotated[str | None, typer.Option(help="only this advertiser")] = None) -> None:
    """The TikTok audiences this service writes to (what a deletion request reaches)."""
    from store import audiences

    async def go() -> list[Any]:
        async with store_session() as session:
            return await audiences.feeds(session, advertiser)

    rows = asyncio.run(go())
    table = Table("advertiser", "audience", "name", "mode", "identifier types", "job", "updated")
    for r in rows:
        table.add_row(
            r.advertiser_id,
            r.audience_id,
            r.name,
            r.mode,
            ", ".join(r.id_types),
            r.job_id or "-",
            str(r.updated_at),
        )
    console.print(table if rows else "no audiences fed yet")


@schedule_app.command("create")
def schedule_create(
    job_id: Annotated[str, typer.Argument(help="lower-case letters, digits and dashes")],
    input: InputFile,
    cron: Annotated[str, typer.Option(help="@hourly, @daily or 5-field cron; '' for trigger only")],
    timezone: Annotated[str, typer.Option(help="IANA time zone of the cron")] = "UTC",
    file: SourceFile = None,
    query: Query = None,
) -> None:
    """Create (or update) the schedule ``audience-<job_id>``."""
    from audiences.cron import CronError, parse
    from audiences.schedule import ensure_audience_schedule
    from models.audience_tables import AudienceJobRow
    from store import audiences

    job = load_job(input, file, query, job_id=job_id)
    try:
        spec = parse(cron)
    except CronError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    settings = get_settings()

    async def go() -> bool:
        created = await ensure_audience_schedule(await connect(settings), settings, job, spec, timezone)
        row = AudienceJobRow(
            job_id=job_id, advertiser_id=job.advertiser_id, params=job.model_dump(mode="json"), cron=cron
        )
        async with store_session() as session:
            await audiences.save_job(session, row)
        return created

    created = run_client(go)
    note = f" ({spec.note})" if spec.note else ""
    console.print(
        f"{'created' if created else 'updated'} schedule {audience_schedule_id(job_id)}: {cron!r}{note}"
    )


@schedule_app.command("list")
def schedule_list() -> None:
    """Jobs with their schedule state and failure streak."""
    from store import audiences

    settings = get_settings()

    async def go() -> list[tuple[Any, str]]:
        client = await connect(settings)
        async with store_session() as session:
            rows = await audiences.jobs(session)
        out = []
        for row in rows:
            try:
                described = await client.get_schedule_handle(audience_schedule_id(row.job_id)).describe()
                state = "paused" if described.schedule.state.paused else "active"
            except RPCError:
                state = "no schedule"
            out.append((row, state))
        return out

    table = Table("job", "advertiser", "cron", "schedule", "last", "failures in a row", "paused because")
    lines = run_client(go)
    for row, state in lines:
        table.add_row(
            row.job_id, row.advertiser_id, row.cron, state, row.last_status or "-", str(row.failures),
            row.paused_reason or "",
        )  # fmt: skip
    console.print(table if lines else "no audience jobs")


def _on_schedule(job_id: str, op: str) -> None:
    settings = get_settings()

    async def go() -> None:
        handle = (await connect(settings)).get_schedule_handle(audience_schedule_id(job_id))
        if op == "pause":
            await handle.pause(note="paused from the CLI")
        elif op == "resume":
            await handle.unpause(note="resumed from the CLI")
        elif op == "trigger":
            await handle.trigger()
        else:
            await handle.delete()

    run_client(go)  # a schedule that does not exist: "Temporal refused: ..." and exit 1
    console.print(f"{audience_schedule_id(job_id)}: {op} done")


@schedule_app.command("pause")
def schedule_pause(job_id: str) -> None:
    """Pause the job's schedule."""
    _on_schedule(job_id, "pause")


@schedule_app.command("resume")
def schedule_resume(job_id: str) -> None:
    """Resume the job's schedule (after a fix, when it was paused for failing)."""
    _on_schedule(job_id, "resume")


@schedule_app.command("trigger")
def schedule_trigger(job_id: str) -> None:
    """Run the job now."""
    _on_schedule(job_id, "trigger")


@schedule_app.command("delete")
def schedule_delete(job_id: str) -> None:
    """Delete the job's schedule (its runs' history stays)."""
    _on_schedule(job_id, "delete")
