"""Report rows: a second pull of the same window replaces its rows; rows by day, month spend."""

from __future__ import annotations

from datetime import date

from store import Store
from store.reports import ad_days, advertiser_spend, save_rows

ADV = "7300000000000000001"


def _row(level: str, object_id: str, day: str, spend: float, conversions: float = 0) -> dict[str, object]:
    return {
        "level": level, "object_id": object_id, "grain": "day", "stat_time": f"{day} 00:00:00",
        "advertiser_id": ADV, "spend": spend, "impressions": spend * 100, "clicks": spend,
        "conversions": conversions,
    }  # fmt: skip


async def test_a_second_pull_replaces_rows_and_sums_follow(store: Store) -> None:
    async with store.session() as s:
        await save_rows(s, [_row("ad", "a1", "2024-01-01", 10, 1), _row("ad", "a1", "2024-01-02", 0)])
        await save_rows(s, [_row("ad", "a2", "2024-01-02", 5, 2), _row("advertiser", ADV, "2024-01-01", 15)])
    async with store.session() as s:  # TikTok corrected the 2nd of January
        await save_rows(s, [_row("ad", "a1", "2024-01-02", 7, 1)])
    async with store.session() as s:
        rows = await ad_days(s, ADV, date(2024, 1, 1), date(2024, 1, 2))
        second = await ad_days(s, ADV, date(2024, 1, 2), date(2024, 1, 2))
        month = await advertiser_spend(s, ADV, date(2024, 1, 1), date(2024, 1, 1))
    spend = {(r.object_id, r.stat_time[:10]): r.spend for r in rows}
    assert spend == {("a1", "2024-01-01"): 10, ("a1", "2024-01-02"): 7, ("a2", "2024-01-02"): 5}
    assert {r.object_id for r in second} == {"a1", "a2"} and month == 15
