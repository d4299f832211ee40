"""The synthetic auction: determinism, budgets and pacing, who delivers, bids, fatigue, truth."""

from __future__ import annotations

import json
from typing import Any

import httpx

from simulator import SimulatorServer
from simulator.scenario import AdGroupSpec, AdSpec, CampaignSpec

from .helpers import ADV, load, ok, small_scenario

SPRING, AWARENESS = "1700000000000000001", "1700000000000000002"


def report(
    api: httpx.Client, level: str, dims: list[str], start: str, end: str, **extra: Any
) -> list[dict[str, Any]]:
    params = {
        "advertiser_id": ADV,
        "report_type": "BASIC",
        "data_level": level,
        "dimensions": json.dumps(dims),
        "metrics": json.dumps(["spend", "impressions", "clicks", "conversion", "reach"]),
        "start_date": start,
        "end_date": end,
        "page_size": 1000,
        **extra,
    }
    rows: list[dict[str, Any]] = ok(api.get("report/integrated/get/", params=params))["list"]
    return rows


def advance(admin: httpx.Client, hours: int) -> dict[str, Any]:
    response = admin.post("advance", json={"hours": hours})
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def test_same_seed_and_advances_give_identical_numbers(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    advance(admin, 48)
    first = report(api, "AUCTION_AD", ["ad_id", "stat_time_day"], "2024-01-01", "2024-01-02")
    truth = admin.get("truth").json()
    load(sim, small_scenario())
    advance(admin, 24)
    advance(admin, 24)  # chunking does not matter
    assert report(api, "AUCTION_AD", ["ad_id", "stat_time_day"], "2024-01-01", "2024-01-02") == first
    assert admin.get("truth").json() == truth
    with SimulatorServer(small_scenario(), port=0) as other:  # nor does the server instance
        with httpx.Client(base_url=other.api_url, headers=dict(api.headers)) as client:
            httpx.post(f"{other.base_url}/sim/advance", json={"hours": 48}).raise_for_status()
            assert (
                report(client, "AUCTION_AD", ["ad_id", "stat_time_day"], "2024-01-01", "2024-01-02") == first
            )
    load(sim, small_scenario(seed=7))
    advance(admin, 48)
    assert report(api, "AUCTION_AD", ["ad_id", "stat_time_day"], "2024-01-01", "2024-01-02") != first


def test_daily_budgets_hold_and_fast_pacing_front_loads(api: httpx.Client, admin: httpx.Client) -> None:
    advance(admin, 72)
    groups = {
        g["adgroup_id"]: g
        for g in ok(api.get("adgroup/get/", params={"advertiser_id": ADV, "page_size": 100}))["list"]
    }
    rows = report(api, "AUCTION_ADGROUP", ["adgroup_id", "stat_time_day"], "2024-01-01", "2024-01-03")
    assert rows
    for row in rows:
        group = groups[row["dimensions"]["adgroup_id"]]
        assert float(row["metrics"]["spend"]) <= group["budget"] * 1.001 + 0.01, row
    for row in report(api, "AUCTION_CAMPAIGN", ["campaign_id", "stat_time_day"], "2024-01-01", "2024-01-03"):
        if row["dimensions"]["campaign_id"] == AWARENESS:
            assert float(row["metrics"]["spend"]) <= 200.01
    hourly = report(api, "AUCTION_ADGROUP", ["adgroup_id", "stat_time_hour"], "2024-01-01", "2024-01-01")
    fast = {
        r["dimensions"]["stat_time_hour"]: float(r["metrics"]["spend"])
        for r in hourly
        if r["dimensions"]["adgroup_id"] == "1800000000000000004"
    }
    smooth = {
        r["dimensions"]["stat_time_hour"]: float(r["metrics"]["spend"])
        for r in hourly
        if r["dimensions"]["adgroup_id"] == "1800000000000000001"
    }
    assert max(fast) < "2024-01-01 21:00:00"  # the fast group is done before the evening peak ends
    assert max(smooth) == "2024-01-01 23:00:00"  # the smooth one spreads over the day
    balance = ok(api.get("advertiser/info/", params={"advertiser_ids": f'["{ADV}"]'}))["list"][0]["balance"]
    total = advance(admin, 0)  # a zero advance is allowed and delivers nothing
    assert total["totals"]["spend"] == 0
    spent = sum(
        float(r["metrics"]["spend"])
        for r in report(api, "AUCTION_ADVERTISER", ["advertiser_id"], "2024-01-01", "2024-01-03")
    )
    assert abs(100000.0 - balance - spent) < 0.05


def test_only_live_entities_deliver(api: httpx.Client, admin: httpx.Client) -> None:
    advance(admin, 24)
    ads = {r["dimensions"]["ad_id"] for r in report(api, "AUCTION_AD", ["ad_id"], "2024-01-01", "2024-01-01")}
    listed = ok(api.get("ad/get/", params={"advertiser_id": ADV, "page_size": 100}))["list"]
    live = {a["ad_id"] for a in listed if a["secondary_status"] == "AD_STATUS_DELIVERY_OK"}
    assert ads == live and len(live) == 8
    # disabling an ad group stops its spend from the next hour on
    body = {"advertiser_id": ADV, "adgroup_ids": ["1800000000000000001"], "operation_status": "DISABLE"}
    ok(api.post("adgroup/status/update/", json=body))
    advance(admin, 24)
    day2 = report(api, "AUCTION_ADGROUP", ["adgroup_id"], "2024-01-02", "2024-01-02")
    assert "1800000000000000001" not in {r["dimensions"]["adgroup_id"] for r in day2}


def _bid_scenario(**market: Any) -> Any:
    ads = [AdSpec(ad_name=f"ad{i}", true_ctr=0.02, true_cvr=0.04) for i in range(2)]

    def group(name: str, **fields: Any) -> AdGroupSpec:
        return AdGroupSpec(adgroup_name=name, budget=10_000, ads=[a.model_copy() for a in ads], **fields)

    campaign = CampaignSpec(
        campaign_name="bids",
        adgroups=[
            group("no bid"),
            group("cap high", bid_type="BID_TYPE_CUSTOM", conversion_bid_price=12),
            group("cap low", bid_type="BID_TYPE_CUSTOM", conversion_bid_price=5),
        ],
    )
    scenario = small_scenario()
    scenario.advertisers[0].campaigns = [campaign]
    scenario.market = scenario.market.model_copy(update=market)
    return scenario


def test_cost_cap_below_market_cpa_shrinks_delivery(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    load(sim, _bid_scenario(learning_noise=0.0))
    advance(admin, 24)
    truth = admin.get("truth").json()
    groups = ok(api.get("adgroup/get/", params={"advertiser_id": ADV}))["list"]
    by_name = {g["adgroup_name"]: g["adgroup_id"] for g in groups}
    factor = {name: truth["adgroups"][gid]["delivery_factor"] for name, gid in by_name.items()}
    assert factor["no bid"] == 1.0 > factor["cap high"] > factor["cap low"]
    assert truth["adgroups"][by_name["no bid"]]["expected_cpa"] > 5  # the low cap really is below market
    impressions = {
        r["dimensions"]["adgroup_id"]: int(r["metrics"]["impressions"])
        for r in report(api, "AUCTION_ADGROUP", ["adgroup_id"], "2024-01-01", "2024-01-01")
    }
    assert impressions[by_name["no bid"]] > impressions[by_name["cap high"]] > impressions[by_name["cap low"]]


def test_fatigue_and_learning_show_in_truth(sim: SimulatorServer, admin: httpx.Client) -> None:
    load(sim, _bid_scenario(fatigue_impressions=20_000, learning_conversions=5))
    before = admin.get("truth").json()
    advance(admin, 48)
    after = admin.get("truth").json()
    ad_id = next(iter(after["ads"]))
    assert after["ads"][ad_id]["effective_ctr"] < before["ads"][ad_id]["effective_ctr"] == 0.02
    assert after["ads"][ad_id]["true_ctr"] == 0.02
    assert all(g["in_learning"] for g in before["adgroups"].values())
    assert not any(g["in_learning"] for g in after["adgroups"].values())
    assert after["market"]["market_cpa"] > 0 and after["seed"] == 42
