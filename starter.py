"""The operator CLI: run the embedded stack, start workflows, read their status.

``python starter.py --help`` lists the verbs. Bad input names the field and the reason and
exits non-zero. Later issues add ``approve``, ``reject``, ``replay``, ``audit``, ``rollback``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from models.workflows import WORKFLOW_TYPES, describe_validation_error
from settings import Settings, get_settings
from workflows.catalog import WORKFLOWS

app = typer.Typer(help="TikTok Ads operations as durable Temporal workflows.", no_args_is_help=True)
token_app = typer.Typer(help="Manage stored TikTok tokens (kept encrypted in the store).")
app.add_typer(token_app, name="token")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def load_input(workflow: str, path: Path) -> BaseModel:
    """Read and validate a workflow's JSON input, or exit with the reasons."""
    if workflow not in WORKFLOWS:
        known = ", ".join(sorted(WORKFLOWS))
        later = ", ".join(t for t in WORKFLOW_TYPES if t not in WORKFLOWS)
        err.print(f"[red]unknown or not yet available workflow type {workflow!r}[/]; available: {known}")
        if workflow in WORKFLOW_TYPES:
            err.print(f"({workflow} is reserved and arrives with its own issue; not yet built: {later})")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        raw: Any = json.loads(path.read_text())
    except FileNotFoundError:
        err.print(f"[red]input file not found:[/] {path}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except json.JSONDecodeError as exc:
        err.print(f"[red]{path} is not valid JSON:[/] line {exc.lineno} column {exc.colno}: {exc.msg}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _, model = WORKFLOWS[workflow]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err.print(f"[red]invalid input for {workflow}[/] ({path}):")
        for line in describe_validation_error(exc):
            err.print(f"  {line}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def default_workflow_id(workflow: str, inp: BaseModel) -> str:
    advertiser = getattr(inp, "advertiser_id", None)
    if workflow == "AdvertiserSync" and advertiser:
        return f"sync-{advertiser}"
    import uuid

    return f"{workflow.lower()}-{uuid.uuid4().hex[:12]}"


@app.command()
def dev() -> None:
    """Run the embedded stack (Temporal dev server, simulator, worker) and a demo workflow."""
    from devstack import run_dev_stack

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from connector import redact

    redact.install()
    run_dev_stack(settings)


@app.command()
def worker() -> None:
    """Run a worker on the configured task queue until SIGTERM/SIGINT."""
    from worker import main

    main()


@app.command()
def migrate() -> None:
    """Create or upgrade the application database schema (Alembic)."""
    from store import Store

    settings = get_settings()

    async def _go() -> None:
        store = Store(settings.effective_database_url)
        try:
            await store.migrate()
        finally:
            await store.dispose()

    asyncio.run(_go())
    console.print(f"database at {_masked_url(settings)} is at the latest schema")


@app.command()
def start(
    workflow: Annotated[str, typer.Argument(help="workflow type, e.g. AdvertiserSync")],
    input: Annotated[Path, typer.Option("--input", "-i", help="JSON file with the workflow input")],
    workflow_id: Annotated[str | None, typer.Option("--id", help="workflow id (default derived)")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="wait for the result and print it")] = False,
) -> None:
    """Validate INPUT and start WORKFLOW on the tiktok-ads task queue."""
    inp = load_input(workflow, input)
    settings = get_settings()
    wid = workflow_id or default_workflow_id(workflow, inp)

    async def _go() -> Any:
        from temporalio.common import WorkflowIDConflictPolicy

        from worker import connect

        client = await connect(settings)
        handle = await client.start_workflow(
            workflow,
            inp,
            id=wid,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        console.print(f"started {workflow} id={handle.id} run={handle.result_run_id}")
        console.print(_ui_link(settings, handle.id))
        return await handle.result() if wait else None

    result = _run_client(_go)
    if wait:
        console.print_json(data=_jsonable(result))


@app.command()
def status(workflow_id: Annotated[str, typer.Argument(help="workflow id")]) -> None:
    """Show a workflow's state, search attributes, its `status` query and its result."""
    settings = get_settings()

    async def _go() -> dict[str, Any]:
        from worker import connect

        client = await connect(settings)
        handle = client.get_workflow_handle(workflow_id)
        desc = await handle.describe()
        out: dict[str, Any] = {
            "workflow_id": desc.id,
            "run_id": desc.run_id,
            "type": desc.workflow_type,
            "status": desc.status.name if desc.status else None,
            "started": desc.start_time.isoformat(),
            "closed": desc.close_time.isoformat() if desc.close_time else None,
            "search_attributes": {p.key.name: p.value for p in desc.typed_search_attributes},
            "ui": _ui_link(settings, desc.id),
        }
        try:
            out["query_status"] = await handle.query("status")
        except RPCError as exc:
            out["query_status"] = f"unavailable: {exc.message}"
        if desc.status == WorkflowExecutionStatus.COMPLETED:
            out["result"] = await handle.result()
        return out

    console.print_json(data=_jsonable(_run_client(_go)))


@token_app.command("set")
def token_set(
    advertiser_id: Annotated[str, typer.Argument(help="TikTok advertiser id")],
    access_token: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, envvar="TTADS_NEW_ACCESS_TOKEN", help="the access token"),
    ],
) -> None:
    """Store an advertiser's access token, encrypted (for tokens issued outside the OAuth flow)."""
    from models.workflows import AdvertiserSyncInput
    from store import Store, TokenCipher
    from store.tokens import save_tokens

    try:
        AdvertiserSyncInput(advertiser_id=advertiser_id)
    except ValidationError as exc:
        for line in describe_validation_error(exc):
            err.print(f"[red]{line}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    settings = get_settings()

    async def _go() -> None:
        store = Store(settings.effective_database_url)
        key = settings.token_encryption_key
        cipher = TokenCipher.from_settings(
            key.get_secret_value() if key else None, settings.environment, settings.data_dir
        )
        try:
            await store.migrate()
            async with store.session() as session:
                await save_tokens(
                    session,
                    cipher,
                    advertiser_id=advertiser_id,
                    app_id=settings.tiktok_app_id,
                    access_token=access_token,
                )
        finally:
            await store.dispose()

    asyncio.run(_go())
    console.print(f"token stored (encrypted) for advertiser {advertiser_id}")


@token_app.command("connect")
def token_connect(
    auth_code: Annotated[
        str, typer.Option("--auth-code", help="the auth_code from TikTok's consent redirect")
    ],
    start_refresh: Annotated[
        bool, typer.Option("--start-refresh/--no-start-refresh", help="start TokenRefresh per advertiser")
    ] = True,
) -> None:
    """Exchange an OAuth auth code, store the tokens encrypted, start TokenRefresh per advertiser."""
    from connector import TikTokClient, TikTokError
    from connector.oauth import exchange_auth_code
    from models.tables import utcnow
    from models.workflows import TOKEN_REFRESH, TokenRefreshInput
    from store import Store, TokenCipher
    from store.tokens import save_tokens
    from workflows.token_refresh import workflow_id

    settings = get_settings()

    async def _go() -> list[str]:
        async with TikTokClient(settings.tiktok_base_url, api_version=settings.tiktok_api_version) as client:
            grant = await exchange_auth_code(
                client, settings.tiktok_app_id, settings.tiktok_app_secret.get_secret_value(), auth_code
            )
        now = utcnow()
        store = Store(settings.effective_database_url)
        key = settings.token_encryption_key
        cipher = TokenCipher.from_settings(
            key.get_secret_value() if key else None, settings.environment, settings.data_dir
        )
        try:
            await store.migrate()
            async with store.session() as session:
                for advertiser_id in grant.advertiser_ids:
                    await save_tokens(
                        session,
                        cipher,
                        advertiser_id=advertiser_id,
                        app_id=settings.tiktok_app_id,
                        access_token=grant.access_token,
                        refresh_token=grant.refresh_token,
                        access_expires_at=grant.access_expires_at(now),
                        refresh_expires_at=grant.refresh_expires_at(now),
                        scope=grant.scope,
                    )
        finally:
            await store.dispose()
        if start_refresh:
            from temporalio.common import WorkflowIDConflictPolicy

            from worker import connect

            client_t = await connect(settings)
            for advertiser_id in grant.advertiser_ids:
                await client_t.start_workflow(
                    TOKEN_REFRESH,
                    TokenRefreshInput(advertiser_id=advertiser_id),
                    id=workflow_id(advertiser_id),
                    task_queue=settings.task_queue,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                )
        return grant.advertiser_ids

    try:
        advertisers = _run_client(_go)
    except TikTokError as exc:
        err.print(f"[red]TikTok refused the auth code:[/] {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    console.print(f"connected advertisers: {', '.join(advertisers)} (tokens stored encrypted)")


def _run_client(fn: Any) -> Any:
    try:
        return asyncio.run(fn())
    except RuntimeError as exc:  # connection refused and friends
        err.print(f"[red]cannot reach Temporal:[/] {exc} (is `make demo` or a server running?)")
        raise typer.Exit(EXIT_FAILED) from None
    except RPCError as exc:
        err.print(f"[red]Temporal refused:[/] {exc.message}")
        raise typer.Exit(EXIT_FAILED) from None


def _ui_link(settings: Settings, workflow_id: str) -> str:
    return f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}/workflows/{workflow_id}"


def _masked_url(settings: Settings) -> str:
    url = settings.effective_database_url
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}:***@{host}"
    return url


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value, default=str))


if __name__ == "__main__":
    app()
