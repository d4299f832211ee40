"""What every CLI module shares: consoles, exit codes, running a client call, links."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.service import RPCError

from settings import Settings, get_settings
from store import Store

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_REFUSED = 3


@asynccontextmanager
async def open_store() -> AsyncIterator[Store]:
    """The configured store, migrated first; the engine is closed afterwards."""
    store = Store(get_settings().effective_database_url)
    try:
        await store.migrate()
        yield store
    finally:
        await store.dispose()


@asynccontextmanager
async def store_session() -> AsyncIterator[AsyncSession]:
    """A session (one transaction) on the configured store."""
    async with open_store() as store, store.session() as session:
        yield session


def run_client(fn: Any) -> Any:
    try:
        return asyncio.run(fn())
    except RuntimeError as exc:  # connection refused and friends
        err.print(f"[red]cannot reach Temporal:[/] {exc} (is `make demo` or a server running?)")
        raise typer.Exit(EXIT_FAILED) from None
    except RPCError as exc:
        err.print(f"[red]Temporal refused:[/] {exc.message}")
        raise typer.Exit(EXIT_FAILED) from None


def masked_url(settings: Settings) -> str:
    url = settings.effective_database_url
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}:***@{host}"
    return url


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value, default=str))


def start_and_show(workflow_type: str, inp: Any, workflow_id: str, *, wait: bool) -> None:
    """Start ``workflow_type``, print its link, and (``wait``) print its result as JSON, or
    why it failed (exit 1)."""
    from temporalio.client import WorkflowFailureError

    from settings import get_settings
    from temporal_client import connect, start_workflow, ui_link

    settings = get_settings()

    async def go() -> Any:
        started = await start_workflow(
            await connect(settings), settings, workflow_type, inp, workflow_id=workflow_id
        )
        console.print(f"started {workflow_type} {workflow_id}\n{ui_link(settings, workflow_id)}")
        if not wait:
            return None
        try:
            return await started.handle.result()
        except WorkflowFailureError as exc:
            return exc

    result = run_client(go)
    if isinstance(result, WorkflowFailureError):
        cause = result.cause
        err.print(f"[red]{workflow_id} failed:[/] {getattr(cause, 'cause', None) or cause}")
        raise typer.Exit(EXIT_FAILED)
    if result is not None:
        console.print_json(data=jsonable(result))
