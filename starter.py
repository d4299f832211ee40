"""The operator CLI: run the embedded stack, start workflows, read their status.

``python starter.py --help`` lists the verbs. Bad input names the field and the reason and
exits non-zero.
"""

from __future__ import annotations

import asyncio
import os
import sys

import typer

from cli import approvals, rollback, runs
from cli import audit as audit_cli
from cli import replay as replay_cli
from cli import report as report_cli
from cli import templates as templates_cli
from cli import whatif as whatif_cli
from cli.access import advertisers_app, users_app
from cli.audiences import audience_app
from cli.codec import codec_app
from cli.common import console, masked_url
from cli.creatives import creatives_app
from cli.daily_report import daily_report_app
from cli.dashboard import dashboard_app
from cli.experiments import experiments_app
from cli.privacy import privacy_app
from cli.recovery import alerts, recovery_app
from cli.schedules import schedule_app
from cli.templates import templates_app
from cli.tokens import token_app
from settings import get_settings

app = typer.Typer(help="TikTok Ads operations as durable Temporal workflows.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(users_app, name="users")
app.add_typer(advertisers_app, name="advertisers")
app.command()(approvals.approve)
app.command()(approvals.reject)
app.command()(approvals.pending)
app.command()(replay_cli.replay)
app.command()(audit_cli.audit)
app.add_typer(templates_app, name="templates")
app.add_typer(schedule_app, name="schedule")
app.add_typer(experiments_app, name="experiments")
app.add_typer(creatives_app, name="creatives")
app.add_typer(recovery_app, name="recovery")
app.add_typer(audience_app, name="audience")
app.add_typer(privacy_app, name="privacy")
app.add_typer(daily_report_app, name="daily-report")
app.add_typer(dashboard_app, name="dashboard")
app.add_typer(codec_app, name="codec")
app.add_typer(report_cli.report_app, name="report")
app.command()(alerts)
app.command()(templates_cli.launch)
app.command()(runs.dev)
app.command()(runs.start)
app.command()(runs.status)
app.command()(rollback.rollback)
app.command()(whatif_cli.whatif)


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
    console.print(f"database at {masked_url(settings)} is at the latest schema")


def main() -> None:
    """Run the CLI, then leave without interpreter teardown: the Temporal client's Rust
    threads can abort a finalizing interpreter (``PyGILState_Release``, temporalio/sdk-python
    #300), which would turn a clean exit code into SIGABRT."""
    code = 0
    try:
        app()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
