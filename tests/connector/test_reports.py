"""Reports against the simulator: ranges split into TikTok's windows, windows halved on
40067, and the async task path giving the same numbers as the synchronous report."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from connector import TikTokClient
from connector.reports import integrated_report, report_via_task, windows
from connector.tokens import StaticTokens
from tests.connector.sim import ADV, TOKEN, admin, stats

METRICS = ["spend", "impressions", "clicks", "conversion"]
DIMS = ["campaign_id", "stat_time_day"]


def _totals(rows: list[Any]) -> dict[str, float]:
    return {m: round(sum(r.metrics.get(m) or 0 for r in rows), 4) for m in METRICS}


def test_windows_cover_the_range_once() -> None:
    cuts = windows(date(2024, 1, 1), date(2024, 2, 14), 30)
    assert cuts == [(date(2024, 1, 1), date(2024, 1, 30)), (date(2024, 1, 31), date(2024, 2, 14))]
    with pytest.raises(ValueError):
        windows(date(2024, 2, 1), date(2024, 1, 1), 30)


async def test_split_shrink_and_async_task_agree(fresh_simulator: Any) -> None:
    base = fresh_simulator.base_url
    await admin(base, "POST", "advance", {"hours": 72})
    common = {"data_level": "AUCTION_CAMPAIGN", "dimensions": DIMS, "metrics": METRICS}
    async with TikTokClient(base, tokens=StaticTokens({ADV: TOKEN})) as client:
        short = await integrated_report(client, ADV, start=date(2024, 1, 1), end=date(2024, 1, 3), **common)
        split = await integrated_report(client, ADV, start=date(2024, 1, 1), end=date(2024, 2, 14), **common)
        before = (await stats(base))["codes"].get("40067", 0)
        shrunk = await integrated_report(
            client, ADV, start=date(2024, 1, 1), end=date(2024, 2, 14), window_days=45, **common
        )
        refused = (await stats(base))["codes"].get("40067", 0) - before
        via_task = await report_via_task(
            client, ADV, start=date(2024, 1, 1), end=date(2024, 1, 3), poll_initial=0.01, **common
        )
    assert _totals(short)["impressions"] > 0  # the auction delivered something in 3 days
    assert _totals(split) == _totals(short) == _totals(shrunk)
    assert refused == 1  # one 45-day window refused, then halved
    assert _totals(via_task) == _totals(short)
    assert {r.dimensions["campaign_id"] for r in via_task} == {r.dimensions["campaign_id"] for r in short}
