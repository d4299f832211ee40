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
    """45 days of delivery: a range longer than TikTok's 30-day window is split, and every
    window's rows arrive (days of both windows present, totals equal three other ways)."""
    base = fresh_simulator.base_url
    await admin(base, "POST", "advance", {"hours": 45 * 24})
    common = {"data_level": "AUCTION_CAMPAIGN", "dimensions": DIMS, "metrics": METRICS}
    first, last = date(2024, 1, 1), date(2024, 2, 14)
    async with TikTokClient(base, tokens=StaticTokens({ADV: TOKEN})) as client:
        split = await integrated_report(client, ADV, start=first, end=last, **common)
        by_window = [
            await integrated_report(client, ADV, start=a, end=b, **common)
            for a, b in windows(first, last, 30)
        ]
        before = (await stats(base))["codes"].get("40067", 0)
        shrunk = await integrated_report(client, ADV, start=first, end=last, window_days=45, **common)
        refused = (await stats(base))["codes"].get("40067", 0) - before
        via_task = [  # the task API has the same 30-day window
            row
            for a, b in windows(first, last, 30)
            for row in await report_via_task(client, ADV, start=a, end=b, poll_initial=0.01, **common)
        ]
    days = {r.dimensions["stat_time_day"][:10] for r in split}
    assert min(days) == "2024-01-01" and max(days) == "2024-02-14"  # both windows delivered rows
    assert all(_totals(w)["impressions"] > 0 for w in by_window)
    assert _totals(split) == _totals(shrunk) == _totals(via_task)
    summed = {m: round(sum(_totals(w)[m] for w in by_window), 4) for m in METRICS}
    assert summed == _totals(split)
    assert refused == 1  # one 45-day window refused, then halved
    assert {r.dimensions["campaign_id"] for r in via_task} == {r.dimensions["campaign_id"] for r in split}


async def test_pages_fetched_side_by_side_keep_every_row_in_order(
    fresh_simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages after the first go out together: with 7-row pages a report of many pages has
    the rows of the one-page answer, in its order; a refused page raises the connector's
    own error, not a group of them."""
    import connector.reports as reports
    from connector.errors import InvalidRequest

    base = fresh_simulator.base_url
    await admin(base, "POST", "advance", {"hours": 48})
    common = {"data_level": "AUCTION_AD", "dimensions": ["ad_id", "stat_time_day"], "metrics": METRICS}
    day = (date(2024, 1, 1), date(2024, 1, 2))
    async with TikTokClient(base, tokens=StaticTokens({ADV: TOKEN})) as client:
        whole = await integrated_report(client, ADV, start=day[0], end=day[1], **common)
        monkeypatch.setattr(reports, "REPORT_PAGE_SIZE", 7)
        before = (await stats(base))["requests_by_path"].get("report/integrated/get/", 0)
        paged = await integrated_report(client, ADV, start=day[0], end=day[1], **common)
        calls = (await stats(base))["requests_by_path"]["report/integrated/get/"] - before
        real_get = client.get

        async def third_page_refused(path: str, **kwargs: Any) -> Any:
            if kwargs["params"]["page"] == 3:
                raise InvalidRequest("page 3 refused", code=40002)
            return await real_get(path, **kwargs)

        monkeypatch.setattr(client, "get", third_page_refused)
        with pytest.raises(InvalidRequest, match="page 3"):
            await integrated_report(client, ADV, start=day[0], end=day[1], **common)
    assert len(whole) > 14 and calls == -(-len(whole) // 7)
    assert [r.model_dump() for r in paged] == [r.model_dump() for r in whole]
