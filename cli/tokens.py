"""``starter.py token ...``: connect advertisers (OAuth) and store tokens, encrypted."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from pydantic import ValidationError

from cli.common import EXIT_BAD_INPUT, EXIT_FAILED, console, err, open_store, run_client, store_session
from models.workflows import describe_validation_error
from settings import get_settings

token_app = typer.Typer(help="Manage stored TikTok tokens (kept encrypted in the store).")


async def save_token(advertiser_id: str, access_token: str) -> None:
    """Store an advertiser's access token, encrypted with the configured key."""
    from store.tokens import save_tokens

    settings = get_settings()
    async with store_session() as session:
        await save_tokens(
            session,
            settings.token_cipher(),
            advertiser_id=advertiser_id,
            app_id=settings.tiktok_app_id,
            access_token=access_token,
        )


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

    try:
        AdvertiserSyncInput(advertiser_id=advertiser_id)
    except ValidationError as exc:
        for line in describe_validation_error(exc):
            err.print(f"[red]{line}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    asyncio.run(save_token(advertiser_id, access_token))
    console.print(f"token stored (encrypted) for advertiser {advertiser_id}")


@token_app.command("connect")
def token_connect(
    auth_code: Annotated[
        str, typer.Option("--auth-code", help="the auth_code from TikTok's consent redirect")
    ],
    start_refresh: Annotated[
        bool, typer.Option("--start-refresh/--no-start-refresh", help="start TokenRefresh per advertiser")
    ] = True,
    schedule: Annotated[
        bool, typer.Option("--schedule/--no-schedule", help="create optimize-<advertiser> (every 2 h)")
    ] = True,
) -> None:
    """Exchange an OAuth auth code, store the tokens encrypted, start TokenRefresh and create the
    optimization schedule per advertiser."""
    from activities.context import oauth_app
    from models.errors import TikTokError
    from models.workflows import TOKEN_REFRESH, TokenRefreshInput, token_refresh_id
    from schedules import ensure_optimization_schedule
    from store.tokens import connect_advertisers
    from temporal_client import connect, start_workflow

    settings = get_settings()

    async def _go() -> list[str]:
        oauth = oauth_app(settings)
        try:
            async with open_store() as store:
                advertisers = await connect_advertisers(store, settings.token_cipher(), oauth, auth_code)
        finally:
            await oauth.aclose()
        if start_refresh or schedule:
            client = await connect(settings)
            for advertiser_id in advertisers:
                if start_refresh:
                    inp = TokenRefreshInput(advertiser_id=advertiser_id)
                    await start_workflow(
                        client, settings, TOKEN_REFRESH, inp, workflow_id=token_refresh_id(advertiser_id)
                    )
                if schedule:
                    # a reconnected advertiser keeps its schedule and the settings an operator gave it
                    await ensure_optimization_schedule(client, settings, advertiser_id, replace=False)
        return advertisers

    try:
        advertisers = run_client(_go)
    except TikTokError as exc:
        err.print(f"[red]TikTok refused the auth code:[/] {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    console.print(f"connected advertisers: {', '.join(advertisers)} (tokens stored encrypted)")
