"""``starter.py whatif``: what an ad group would deliver at another budget, from the model
the cycle decides with, on the numbers the last cycle pulled. Changes nothing."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

import typer
from rich.text import Text

from cli.common import EXIT_BAD_INPUT, console, err, open_store
from models.optimization import CycleSettings

CHANGE_HELP = "ADGROUP_ID=BUDGET, e.g. 1800000000000000001=150 (repeat for several)"


def parse_change(text: str) -> tuple[str, float]:
    adgroup_id, sep, value = text.partition("=")
    try:
        budget = float(value)
    except ValueError:
        budget = -1.0
    if not sep or not adgroup_id.strip().isdigit() or budget <= 0:
        raise typer.BadParameter(f"{text!r}: give {CHANGE_HELP}", param_hint="--change")
    return adgroup_id.strip(), budget


def whatif(
    advertiser: Annotated[str, typer.Option(help="TikTok advertiser id")],
    change: Annotated[list[str], typer.Option(help=CHANGE_HELP)],
    target_cpa: Annotated[
        float | None, typer.Option(help="the prior CPA of ad groups with little data")
    ] = None,
) -> None:
    """Forecast conversions and CPA (90 % intervals) at new daily budgets, against today's."""
    import asyncio

    from activities.account import load_account
    from optimizer.whatif import forecast
    from store import reports

    moves = [parse_change(c) for c in change]
    settings = CycleSettings(target_cpa=target_cpa)

    async def go() -> list[str]:
        async with open_store() as store:
            async with store.session() as session:
                day = await reports.latest_day(session, advertiser)
            if day is None:
                raise LookupError(
                    f"no report rows for advertiser {advertiser}: let a cycle pull them first "
                    f"(starter.py schedule trigger {advertiser})"
                )
            account, _ = await load_account(store, advertiser, datetime.combine(day, time(23)), settings)
        lines = [f"from the numbers of the 7 days to {day} (the last pull):"]
        for adgroup_id, budget in moves:
            group = next((g for g in account.adgroups if g.adgroup_id == adgroup_id), None)
            if group is not None and group.budget:
                lines.append("  now   " + forecast(account, settings, adgroup_id, float(group.budget)).line())
            lines.append("  then  " + forecast(account, settings, adgroup_id, budget).line())
        return lines

    try:
        lines = asyncio.run(go())
    except (LookupError, KeyError) as exc:
        err.print(Text(str(exc).strip("'\"")))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for line in lines:
        console.print(Text(line))
