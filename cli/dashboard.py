"""``starter.py dashboard link USER``: a login link for the read-only dashboard."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import console
from settings import get_settings

dashboard_app = typer.Typer(help="The read-only dashboard (python -m dashboard; make demo starts it).")


@dashboard_app.command("link")
def link(
    user_id: Annotated[str, typer.Argument(help="the user (any role in a tenant reads its advertisers)")],
    minutes: Annotated[float, typer.Option(help="how long the link works")] = 60,
) -> None:
    """Print a login link for USER (the session it opens lasts 12 hours)."""
    from dashboard.auth import dashboard_key, login_token

    settings = get_settings()
    token = login_token(dashboard_key(settings), user_id, minutes)
    console.print(
        f"http://{settings.dashboard_host}:{settings.dashboard_port}/login?token={token}", soft_wrap=True
    )
