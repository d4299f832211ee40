"""``starter.py token ...``: connect advertisers (OAuth) and store tokens, encrypted."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from pydantic import ValidationError

from cli.common import EXIT_BAD_INPUT, EXIT_FAILED, console, err, run_client, store_session
from models.workflows import describe_validation_error
from settings import get_settings

token_app = typer.Typer(help="Manage stored TikTok tokens (kept encrypted in the store).")


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
    from store.tokens import save_tokens

    try:
        AdvertiserSyncInput(advertiser_id=advertiser_id)
    except ValidationError as exc:
        for line in describe_validation_error(exc):
            err.print(f"[red]{line}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    settings = get_settings()

    async def _go() -> None:
        async with store_session() as session:
            await save_tokens(
                session,
                settings.token_cipher(),
                advertiser_id=advertiser_id,
                app_id=settings.tiktok_app_id,
                access_token=access_token,
            )

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
    from activities.tokens import store_grant
    from connector import TikTokClient, TikTokError
    from connector.oauth import exchange_auth_code
    from models.tables import utcnow
    from models.workflows import TOKEN_REFRESH, TokenRefreshInput, token_refresh_id
    from temporal_client import connect, start_workflow

    settings = get_settings()

    async def _go() -> list[str]:
        async with TikTokClient(settings.tiktok_base_url, api_version=settings.tiktok_api_version) as client:
            grant = await exchange_auth_code(
                client, settings.tiktok_app_id, settings.tiktok_app_secret.get_secret_value(), auth_code
            )
        now, cipher = utcnow(), settings.token_cipher()
        async with store_session() as session:
            for advertiser_id in grant.advertiser_ids:
                await store_grant(session, cipher, advertiser_id, settings.tiktok_app_id, grant, now)
        if start_refresh:
            client_t = await connect(settings)
            for advertiser_id in grant.advertiser_ids:
                inp = TokenRefreshInput(advertiser_id=advertiser_id)
                await start_workflow(
                    client_t, settings, TOKEN_REFRESH, inp, workflow_id=token_refresh_id(advertiser_id)
                )
        return grant.advertiser_ids

    try:
        advertisers = run_client(_go)
    except TikTokError as exc:
        err.print(f"[red]TikTok refused the auth code:[/] {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    console.print(f"connected advertisers: {', '.join(advertisers)} (tokens stored encrypted)")
