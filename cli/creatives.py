"""``starter.py creatives list | add | approve | archive | metrics | ingest``: the creative
pool that launches and rejection recovery draw from (states in ``store.pool.STATES``). Only
``approved`` items are ever picked; an item whose replacement ad fails review is marked
``rejected`` by the recovery itself."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError
from rich.table import Table
from rich.text import Text

from cli.common import EXIT_BAD_INPUT, console, err, start_and_show, store_session
from models.recovery_tables import PoolCreativeRow
from models.workflows import AdvertiserId, describe_validation_error

creatives_app = typer.Typer(help="The creative pool rejection recovery picks replacements from.")


class PoolItem(BaseModel):
    """What ``creatives add`` accepts (validated before anything is stored)."""

    model_config = ConfigDict(extra="forbid")

    advertiser_id: AdvertiserId
    campaign_id: str = Field(default="", pattern=r"^\d{0,32}$", description="empty: any campaign")
    kind: str = Field(default="video", pattern="^(video|image)$")
    creative_id: str = Field(min_length=1, max_length=64)
    ad_text: str = Field(min_length=1, max_length=100)
    call_to_action: str = Field(default="LEARN_MORE", max_length=32)
    landing_page_url: HttpUrl | None = None
    tags: list[str] = Field(default_factory=list)
    added_by: str = Field(min_length=1, max_length=128)


@creatives_app.command("add")
def add(
    advertiser: Annotated[str, typer.Option(help="TikTok advertiser id")],
    creative: Annotated[str, typer.Option(help="video_id (or image id with --kind image), already approved")],
    text: Annotated[str, typer.Option(help="the ad text to run it with (at most 100 characters)")],
    as_user: Annotated[str, typer.Option("--as", help="who approves it for the pool")],
    campaign: Annotated[str, typer.Option(help="only for this campaign (default: any)")] = "",
    kind: Annotated[str, typer.Option(help="video or image")] = "video",
    cta: Annotated[str, typer.Option(help="call to action")] = "LEARN_MORE",
    landing_page: Annotated[str | None, typer.Option(help="default: the rejected ad's")] = None,
    tags: Annotated[str, typer.Option(help="comma-separated")] = "",
) -> None:
    """Add an approved creative to the pool (or approve it again)."""
    try:
        item = PoolItem(
            advertiser_id=advertiser,
            campaign_id=campaign,
            kind=kind,
            creative_id=creative,
            ad_text=text,
            call_to_action=cta,
            landing_page_url=landing_page,
            tags=[t.strip() for t in tags.split(",") if t.strip()],
            added_by=as_user,
        )
    except ValidationError as exc:
        err.print(Text("creative refused: " + "; ".join(describe_validation_error(exc))))
        raise typer.Exit(EXIT_BAD_INPUT) from None

    async def go() -> int:
        from store import pool

        async with store_session() as session:
            row = PoolCreativeRow(**item.model_dump(mode="json"))
            saved = await pool.add(session, row)
            assert saved.id is not None
            return saved.id

    pool_id = asyncio.run(go())
    console.print(
        f"pool item {pool_id}: {kind} {creative} approved for replacements of advertiser {advertiser}"
    )


@creatives_app.command("list")
def list_pool(
    advertiser: Annotated[str, typer.Option(help="TikTok advertiser id")],
    campaign: Annotated[str | None, typer.Option(help="this campaign's and the advertiser-wide")] = None,
    state: Annotated[
        str | None, typer.Option(help="draft, validated, uploaded, in_review, approved, ...")
    ] = None,
) -> None:
    """The pool, oldest first (the order recovery picks in)."""
    from store.pool import STATES

    if state is not None and state not in STATES:
        err.print(f"--state: {state!r} is not one of {', '.join(STATES)}")
        raise typer.Exit(EXIT_BAD_INPUT)

    async def go() -> list[PoolCreativeRow]:
        from store import pool

        async with store_session() as session:
            return await pool.items(session, advertiser, campaign_id=campaign, state=state)

    rows = asyncio.run(go())
    table = Table("id", "state", "campaign", "kind", "creative", "text", "used in", "added by")
    for r in rows:
        table.add_row(
            str(r.id), r.state, r.campaign_id or "any", r.kind, r.creative_id or "-", r.ad_text,
            ", ".join(r.used_in) or "-", r.added_by,
        )  # fmt: skip
    console.print(table if rows else f"no pool items for advertiser {advertiser}")


def _set_state(pool_id: int, state: str) -> None:
    async def go() -> PoolCreativeRow | None:
        from store import pool

        async with store_session() as session:
            return await pool.set_state(session, pool_id, state)

    if asyncio.run(go()) is None:
        err.print(f"no pool item {pool_id}")
        raise typer.Exit(EXIT_BAD_INPUT)
    console.print(f"pool item {pool_id} is {state}")


@creatives_app.command("approve")
def approve(pool_id: Annotated[int, typer.Argument(help="pool item id (creatives list)")]) -> None:
    """Make an item pickable again (after a fix, or after archiving)."""
    _set_state(pool_id, "approved")


@creatives_app.command("archive")
def archive(pool_id: Annotated[int, typer.Argument(help="pool item id (creatives list)")]) -> None:
    """Never pick this item again."""
    _set_state(pool_id, "archived")


@creatives_app.command("metrics")
def metrics(
    advertiser: Annotated[str, typer.Option(help="TikTok advertiser id")],
    first: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    last: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
    early: Annotated[int, typer.Option(help="impressions that count as early")] = 1000,
) -> None:
    """Early CTR, hook rate, completion rate and conversion share per ad, from the daily report's rows."""
    from datetime import date

    from reporting.creative_metrics import creative_metrics
    from store import warehouse

    async def go() -> list[Any]:
        async with store_session() as session:
            return await warehouse.rows_between(
                session, advertiser, date.fromisoformat(first), date.fromisoformat(last), "ad"
            )

    lines = creative_metrics(asyncio.run(go()), early)

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value * 100:.2f} %"

    table = Table("ad", "name", "impressions", "early CTR", "hook rate", "completion", "conversions", "share")
    for m in lines:
        table.add_row(
            m.ad_id, (m.name or "")[:40], f"{m.impressions:,.0f}", pct(m.early_ctr), pct(m.hook_rate),
            pct(m.completion_rate), f"{m.conversions:.0f}", pct(m.conversion_share),
        )  # fmt: skip
    console.print(
        table if lines else "no ad rows in that range: run the daily report first (starter.py daily-report)"
    )


@creatives_app.command("ingest")
def ingest(
    files: Annotated[list[str], typer.Argument(help="files on the worker, or http(s) URLs")],
    advertiser: Annotated[str, typer.Option(help="TikTok advertiser id")],
    ad_text: Annotated[str, typer.Option(help="the text to run them with")] = "",
    campaign: Annotated[str, typer.Option(help="the campaign they are for (empty: any)")] = "",
    tag: Annotated[list[str] | None, typer.Option(help="a tag for all of them (repeatable)")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait")] = True,
) -> None:
    """Check files against TikTok's specs, upload the good ones once, keep them in the pool
    (state uploaded: approve them with ``creatives approve``). Runs ``CreativeIngest``."""
    import uuid

    from models.creative_ingest import CreativeIngestInput
    from models.workflows import CREATIVE_INGEST

    web = ("http://", "https://")
    assets = [{"url": f} if f.startswith(web) else {"path": str(Path(f).resolve())} for f in files]
    try:
        inp = CreativeIngestInput.model_validate(
            {"advertiser_id": advertiser, "campaign_id": campaign, "tags": tag or [],
             "assets": [{**a, "ad_text": ad_text} for a in assets]}
        )  # fmt: skip
    except ValidationError as exc:
        for line in describe_validation_error(exc):
            err.print(f"[red]{line}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    start_and_show(CREATIVE_INGEST, inp, f"ingest-{advertiser}-{uuid.uuid4().hex[:8]}", wait=wait)
