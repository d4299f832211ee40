"""``starter.py replay``: replay workflow histories against the current workflow code.

Histories come from the server (one workflow id, or every run matching a visibility
query) or from JSON files exported by the UI, ``temporal workflow show --output json`` or
``tests/histories/record.py``. Any non-determinism is reported per run and makes the
command exit non-zero, so it can gate a deployment.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Annotated

import typer
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cli.common import EXIT_BAD_INPUT, EXIT_FAILED, console, err
from codec.encryption import ENCODING, KEY_ID, payloads_in
from settings import get_settings
from temporal_client import connect, data_converter
from workflows.catalog import all_workflow_classes, workflow_runner


def replayer() -> Replayer:
    """A replayer with the worker's workflows and data converter (and so its codec)."""
    return Replayer(
        workflows=all_workflow_classes(),
        data_converter=data_converter(get_settings()),
        workflow_runner=workflow_runner(),
    )


def history_from_file(path: Path) -> WorkflowHistory:
    data = json.loads(path.read_text())
    workflow_id = data.pop("workflowId", None) if isinstance(data, dict) else None
    return WorkflowHistory.from_json(workflow_id or path.stem, data)


def missing_keys(history: WorkflowHistory, known: set[str]) -> set[str]:
    """Key ids the history's payloads are encrypted with that ``known`` lacks."""
    ids = {
        p.metadata[KEY_ID].decode()
        for event in history.events
        for p in payloads_in(event)
        if p.metadata.get("encoding") == ENCODING and KEY_ID in p.metadata
    }
    return ids - known


async def replay_histories(
    histories: Iterable[WorkflowHistory] | AsyncIterator[WorkflowHistory],
) -> dict[str, str]:
    """Replay each history; returns ``{run or file: failure}`` for the ones that fail."""
    failures: dict[str, str] = {}
    r = replayer()
    if isinstance(histories, AsyncIterator):
        items = [h async for h in histories]
    else:
        items = list(histories)
    codec = get_settings().payload_codec()
    for history in items:
        missing = missing_keys(history, set(codec.ring.keys) if codec else set())
        if missing:  # replaying without the key would fail (or pass) for the wrong reason
            failures[f"{history.workflow_id} ({history.run_id})"] = (
                f"encrypted with key id(s) {', '.join(sorted(missing))}, which TTADS_PAYLOAD_ENCRYPTION_KEYS "
                "lacks: set the keys the workers use, then replay again"
            )
            continue
        result = await r.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            failures[f"{history.workflow_id} ({history.run_id})"] = str(result.replay_failure)
    return failures


def replay(
    workflow_id: Annotated[str | None, typer.Argument(help="replay this workflow's latest run")] = None,
    file: Annotated[list[Path] | None, typer.Option("--file", help="history JSON file(s)")] = None,
    query: Annotated[
        str | None, typer.Option(help='visibility query, e.g. WorkflowType="CampaignLaunch"')
    ] = None,
) -> None:
    """Replay histories against the current code; exit 1 on any non-determinism."""
    if not (workflow_id or file or query):
        err.print("[red]give a WORKFLOW_ID, --file or --query[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    settings = get_settings()

    async def go() -> tuple[int, dict[str, str]]:
        histories: list[WorkflowHistory] = [history_from_file(p) for p in file or []]
        if workflow_id or query:
            client = await connect(settings)
            if workflow_id:
                histories.append(await client.get_workflow_handle(workflow_id).fetch_history())
            if query:
                histories.extend([h async for h in client.list_workflows(query).map_histories()])
        return len(histories), await replay_histories(histories)

    count, failures = asyncio.run(go())
    for run, failure in failures.items():
        label = "CANNOT REPLAY" if failure.startswith("encrypted with key id") else "NON-DETERMINISTIC"
        err.print(f"[red]{label}[/] {run}: {failure}")
    noun = "history" if count == 1 else "histories"
    console.print(f"replayed {count} {noun}: {count - len(failures)} ok, {len(failures)} failed")
    if failures:
        raise typer.Exit(EXIT_FAILED)
