"""``starter.py audit``: the audit trail of a workflow or an advertiser, from history.

``--verify`` also checks the change-log table against history (missing, extra or
different rows) and its hash chains (edited or deleted rows), exiting 1 on any problem.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from typing import Annotated, Literal

import typer
from rich.table import Table

from cli.audit_trail import AuditEntry, audit_history, compare_with_change_log
from cli.common import EXIT_BAD_INPUT, EXIT_FAILED, console, err
from settings import get_settings
from store import Store
from store.changes import changes_for, verify_chain
from temporal_client import connect


async def _collect(
    workflow_id: str | None, advertiser: str | None, since: datetime | None
) -> tuple[list[AuditEntry], list[str]]:
    client = await connect(get_settings())
    histories = []
    if workflow_id:
        histories.append(await client.get_workflow_handle(workflow_id).fetch_history())
    if advertiser:
        query = f'AdvertiserId = "{advertiser}"'
        if since:
            query += f' AND StartTime >= "{since.isoformat()}"'
        histories.extend([h async for h in client.list_workflows(query).map_histories()])
    entries = sorted((e for h in histories for e in audit_history(h)), key=lambda e: e.at)
    return entries, [h.workflow_id for h in histories]


async def _verify(entries: list[AuditEntry], workflow_ids: list[str], advertiser: str | None) -> list[str]:
    store = Store(get_settings().effective_database_url)
    problems: list[str] = []
    try:
        async with store.session() as session:
            advertisers = {advertiser} if advertiser else set()
            for wid in workflow_ids:
                rows = list(await changes_for(session, workflow_id=wid))
                problems += compare_with_change_log([e for e in entries if e.workflow_id == wid], rows)
                advertisers |= {r.advertiser_id for r in rows}
            for adv in sorted(advertisers):  # the chains the audited workflows wrote to
                problems += (await verify_chain(session, adv)).problems
    finally:
        await store.dispose()
    return problems


def audit(
    workflow_id: Annotated[str | None, typer.Argument(help="one workflow's trail")] = None,
    advertiser: Annotated[str | None, typer.Option(help="every workflow of this advertiser")] = None,
    since: Annotated[datetime | None, typer.Option(help="with --advertiser: started at or after")] = None,
    output: Annotated[Literal["table", "json", "csv"], typer.Option("--format")] = "table",
    verify: Annotated[
        bool, typer.Option(help="check the change log against history and its hash chain")
    ] = False,
) -> None:
    """Who started, who approved, every TikTok change with before/after, failures."""
    if not (workflow_id or advertiser):
        err.print("[red]give a WORKFLOW_ID or --advertiser[/]")
        raise typer.Exit(EXIT_BAD_INPUT)

    async def go() -> tuple[list[AuditEntry], list[str]]:
        entries, ids = await _collect(workflow_id, advertiser, since)
        return entries, (await _verify(entries, ids, advertiser) if verify else [])

    entries, problems = asyncio.run(go())
    _print(entries, output)
    if verify:
        for problem in problems:
            err.print(f"[red]TAMPERED OR INCONSISTENT[/] {problem}")
        if problems:
            raise typer.Exit(EXIT_FAILED)
        err.print("verified: the change log matches history and its hash chains are intact")


def _print(entries: list[AuditEntry], output: str) -> None:
    rows = [e.model_dump(mode="json") for e in entries]
    if output == "json":
        console.print_json(json.dumps(rows))
    elif output == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(AuditEntry.model_fields))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v) if isinstance(v, dict) else v for k, v in row.items()})
        console.out(buf.getvalue(), end="")
    else:
        table = Table("time", "workflow", "kind", "actor", "entity", "before → after", "detail")
        for e in entries:
            change = f"{e.before} → {e.after}" if e.kind == "change" else ""
            entity = f"{e.entity_type} {e.entity_id}" if e.entity_type else ""
            table.add_row(
                e.at.isoformat(timespec="seconds"),
                e.workflow_id,
                e.kind,
                e.actor or "",
                entity,
                change,
                e.detail,
            )
        console.print(table)
