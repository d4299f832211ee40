"""``starter.py audit``: the audit trail of a workflow or an advertiser, from history.

``--verify`` also checks the change-log table against history (missing, extra or
different rows) and its keyed hash chains (edited, inserted, deleted or truncated rows),
exiting 1 on any problem.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from typing import Annotated, Literal

import typer
from rich.table import Table
from rich.text import Text

from cli.common import EXIT_BAD_INPUT, EXIT_FAILED, console, err, open_store
from settings import get_settings
from store.audit import AuditEntry, anchored_lengths, audit_history, compare_with_change_log, truncations
from store.changes import changes_for, verify_chain
from temporal_client import connect, decoded, fetch_history


async def _collect(
    workflow_id: str | None, advertiser: str | None, since: datetime | None
) -> tuple[list[AuditEntry], list[str]]:
    client = await connect(get_settings())
    histories = []
    if workflow_id:
        histories.append(await fetch_history(client, workflow_id))
    if advertiser:
        query = f'AdvertiserId = "{advertiser}"'
        if since:
            query += f' AND StartTime >= "{since.isoformat()}"'
        histories.extend([decoded(client, h) async for h in client.list_workflows(query).map_histories()])
    entries = sorted((e for h in histories for e in audit_history(h)), key=lambda e: e.at)
    return entries, [h.workflow_id for h in histories]


async def verify(entries: list[AuditEntry], workflow_ids: list[str], advertiser: str | None) -> list[str]:
    """Every disagreement between history and the change log, and every broken chain."""
    key = get_settings().change_log_hmac_key()
    problems: list[str] = []
    async with open_store() as store, store.session() as session:
        anchors = anchored_lengths(entries)
        advertisers = ({advertiser} if advertiser else set()) | set(anchors)
        for wid in workflow_ids:
            rows = list(await changes_for(session, workflow_id=wid))
            problems += compare_with_change_log([e for e in entries if e.workflow_id == wid], rows)
            advertisers |= {r.advertiser_id for r in rows}
        lengths: dict[str, int] = {}
        for adv in sorted(advertisers):  # the chains the audited workflows wrote to
            report = await verify_chain(session, key, adv)
            problems += report.problems
            lengths[adv] = report.heads.get(adv, 0)
        problems += truncations(anchors, lengths)
    return problems


def audit(
    workflow_id: Annotated[str | None, typer.Argument(help="one workflow's trail")] = None,
    advertiser: Annotated[str | None, typer.Option(help="every workflow of this advertiser")] = None,
    since: Annotated[datetime | None, typer.Option(help="with --advertiser: started at or after")] = None,
    output: Annotated[Literal["table", "json", "csv"], typer.Option("--format")] = "table",
    check: Annotated[
        bool, typer.Option("--verify", help="check the change log against history and its hash chains")
    ] = False,
) -> None:
    """Who started, who approved, every TikTok change with before/after, failures."""
    if not (workflow_id or advertiser):
        err.print("[red]give a WORKFLOW_ID or --advertiser[/]")
        raise typer.Exit(EXIT_BAD_INPUT)

    async def go() -> tuple[list[AuditEntry], list[str]]:
        entries, ids = await _collect(workflow_id, advertiser, since)
        return entries, (await verify(entries, ids, advertiser) if check else [])

    entries, problems = asyncio.run(go())
    _print(entries, output, several=workflow_id is None)
    if check:
        for problem in problems:
            err.print(Text.assemble(("TAMPERED OR INCONSISTENT ", "red"), problem))
        if problems:
            raise typer.Exit(EXIT_FAILED)
        err.print("verified: the change log matches history and its hash chains are intact")


def _flat(e: AuditEntry) -> dict[str, object]:
    c = e.change
    return {
        "at": e.at.isoformat(),
        "workflow_id": e.workflow_id,
        "kind": e.kind,
        "actor": e.actor or "",
        "entity_type": c.entity_type if c else "",
        "entity_id": c.entity_id if c else "",
        "before": json.dumps(c.before) if c else "",
        "after": json.dumps(c.after) if c else "",
        "key": c.key if c else "",
        "detail": e.detail,
    }


def _what(e: AuditEntry, several: bool) -> Text:
    """The entry in words, taken literally (brackets in a reason are text, not markup)."""
    c = e.change
    text = f"{e.workflow_id}: " if several else ""
    if c is not None:
        text += f"{c.entity_type} {c.entity_id}: {_diff(c.before, c.after)} ({e.detail})"
    else:
        text += e.detail
    return Text(text)


def _diff(before: dict[str, object] | None, after: dict[str, object] | None) -> str:
    if before is None:
        return "created " + ", ".join(f"{k}={v}" for k, v in (after or {}).items())
    changed = [k for k in (after or {}) if (after or {}).get(k) != before.get(k)]
    return ", ".join(f"{k} {before.get(k)} -> {(after or {}).get(k)}" for k in changed) or "no change"


def _print(entries: list[AuditEntry], output: str, *, several: bool) -> None:
    if output == "json":
        console.print_json(json.dumps([e.model_dump(mode="json") for e in entries]))
    elif output == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(_flat(entries[0]) if entries else ["at"]))
        writer.writeheader()
        for e in entries:
            writer.writerow(_flat(e))
        console.out(buf.getvalue(), end="")
    else:
        table = Table("time (UTC)", "kind", "who", "what", show_lines=False, pad_edge=False)
        for e in entries:
            at = e.at.astimezone(UTC).strftime("%m-%d %H:%M:%S")
            table.add_row(at, e.kind, Text(e.actor or ""), _what(e, several))
        console.print(table)
