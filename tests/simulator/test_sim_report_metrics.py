"""Every metric TikTok documents, answered consistently: attribute metrics at their levels,
video and engagement counts that add up, AUDIENCE breakdowns that sum to the BASIC totals,
and refusals that name the metric."""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx

from simulator.report_metrics import ATTRIBUTE_LEVELS, AUDIENCE_METRICS, DOCUMENTED

from .helpers import ADV, error, ok

WINDOW = {"start_date": "2024-01-01", "end_date": "2024-01-03"}
VIDEO = ["video_play_actions", "video_watched_2s", "video_views_p25", "video_watched_6s", "video_views_p50",
         "video_views_p75", "video_views_p100"]  # fmt: skip


def report(api: httpx.Client, metrics: list[str], **params: Any) -> Any:
    query = {"advertiser_id": ADV, "report_type": "BASIC", "data_level": "AUCTION_AD",
             "dimensions": json.dumps(["ad_id"]), "metrics": json.dumps(metrics), "page_size": 1000,
             **WINDOW, **params}  # fmt: skip
    return ok(api.get("report/integrated/get/", params=query))


def test_every_documented_metric_is_answered_at_ad_level(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("advance", json={"hours": 60}).raise_for_status()
    names = [m for m in DOCUMENTED if "AUCTION_AD" in ATTRIBUTE_LEVELS.get(m, ("AUCTION_AD",))]
    names = [m for m in names if m not in ("cash_spend", "voucher_spend")]  # advertiser level only
    assert len(names) > 800
    for start in range(0, len(names), 100):  # TikTok takes many metrics; pages of 100 keep URLs short
        chunk = names[start : start + 100]
        data = report(api, chunk)
        assert data["list"], chunk
        for row in data["list"]:
            assert set(row["metrics"]) == set(chunk)
            assert all(isinstance(v, str) for v in row["metrics"].values())


def test_counts_add_up_and_video_milestones_only_shrink(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("advance", json={"hours": 60}).raise_for_status()
    metrics = [
        "impressions", "clicks", "spend", "reach", "likes", "engagements", "follows", "comments", "shares",
        "profile_visits", "clicks_on_music_disc", "average_video_play", "ad_name", "campaign_name",
        "adgroup_name", "cpc", "real_time_conversion", "conversion", *VIDEO,
    ]  # fmt: skip
    data = report(api, metrics)
    rows = [r["metrics"] for r in data["list"]]
    assert any(int(r["video_play_actions"]) > 0 for r in rows)  # the demo's video ads were played
    for row in rows:
        chain = [int(row["impressions"]), *(int(row[m]) for m in VIDEO)]
        assert all(a >= b - 1 for a, b in itertools.pairwise(chain)), row  # (rounding)
        parts = sum(int(row[m]) for m in ("likes", "comments", "shares", "follows", "profile_visits",
                                          "clicks_on_music_disc"))  # fmt: skip
        assert abs(int(row["engagements"]) - parts) <= 6
        assert row["real_time_conversion"] == row["conversion"]
        assert row["ad_name"] != "-" and row["campaign_name"] != "-"
        if int(row["clicks"]):
            assert abs(float(row["cpc"]) - float(row["spend"]) / int(row["clicks"])) < 0.01
    total = sum(int(r["video_views_p100"]) for r in rows)
    assert abs(total - int(data["total_metrics"]["video_views_p100"])) <= len(rows)
    # the same numbers whoever asks: a second report agrees to the unit
    assert report(api, metrics)["list"] == data["list"]


def test_attribute_metrics_need_their_level(api: httpx.Client) -> None:
    campaign_level = {"data_level": "AUCTION_CAMPAIGN", "dimensions": json.dumps(["campaign_id"])}
    ads = {"advertiser_id": ADV, "report_type": "BASIC", "metrics": json.dumps(["ad_name"]), **WINDOW}
    message = error(api.get("report/integrated/get/", params={**ads, **campaign_level}), 40002)
    assert "ad_name is not supported at AUCTION_CAMPAIGN" in message
    no_id = {
        "advertiser_id": ADV, "report_type": "BASIC", "data_level": "AUCTION_ADVERTISER",
        "dimensions": json.dumps(["stat_time_day"]), "metrics": json.dumps(["campaign_name"]), **WINDOW,
    }  # fmt: skip
    assert "add an id dimension" in error(api.get("report/integrated/get/", params=no_id), 40002)


def test_cash_and_voucher_spend_are_advertiser_daily(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("advance", json={"hours": 30}).raise_for_status()
    query = {"advertiser_id": ADV, "report_type": "BASIC", "data_level": "AUCTION_ADVERTISER",
             "dimensions": json.dumps(["advertiser_id", "stat_time_day"]),
             "metrics": json.dumps(["spend", "cash_spend", "voucher_spend"]), **WINDOW}  # fmt: skip
    rows = ok(api.get("report/integrated/get/", params=query))["list"]
    assert rows and all(r["metrics"]["cash_spend"] == r["metrics"]["spend"] for r in rows)
    hourly = {
        **query,
        "dimensions": json.dumps(["advertiser_id", "stat_time_hour"]),
        "end_date": "2024-01-01",
    }
    assert "by day only" in error(api.get("report/integrated/get/", params=hourly), 40002)


def test_audience_reports_break_the_basic_totals_down(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("advance", json={"hours": 50}).raise_for_status()
    metrics = ["spend", "impressions", "clicks", "conversion"]
    basic = report(api, metrics, data_level="AUCTION_CAMPAIGN", dimensions=json.dumps(["campaign_id"]))
    for dims in (
        ["campaign_id", "gender", "age"],
        ["campaign_id", "platform"],
        ["campaign_id", "country_code"],
    ):
        audience = report(api, metrics, report_type="AUDIENCE", data_level="AUCTION_CAMPAIGN",
                          dimensions=json.dumps(dims))  # fmt: skip
        assert {tuple(sorted(r["dimensions"])) for r in audience["list"]} == {tuple(sorted(dims))}
        spend = sum(float(r["metrics"]["spend"]) for r in audience["list"])
        assert abs(spend - float(basic["total_metrics"]["spend"])) < 0.01 * len(audience["list"]) + 0.01
        impressions = sum(int(r["metrics"]["impressions"]) for r in audience["list"])
        assert abs(impressions - int(basic["total_metrics"]["impressions"])) <= len(audience["list"])
    by_gender = json.dumps(["campaign_id", "gender"])
    rows = report(api, metrics, report_type="AUDIENCE", data_level="AUCTION_CAMPAIGN", dimensions=by_gender)[
        "list"
    ]
    genders = {r["dimensions"]["gender"] for r in rows}
    assert genders == {"FEMALE", "MALE", "NONE"}


def test_audience_reports_refuse_what_tiktok_refuses(api: httpx.Client) -> None:
    base = {"advertiser_id": ADV, "report_type": "AUDIENCE", "data_level": "AUCTION_CAMPAIGN", **WINDOW}
    assert "reach" not in AUDIENCE_METRICS
    reach = {**base, "dimensions": json.dumps(["campaign_id", "gender"]), "metrics": json.dumps(["reach"])}
    assert "reach is not supported in AUDIENCE reports" in error(
        api.get("report/integrated/get/", params=reach), 40002
    )
    plain = {**base, "dimensions": json.dumps(["campaign_id"]), "metrics": json.dumps(["spend"])}
    assert "needs one of" in error(api.get("report/integrated/get/", params=plain), 40002)
    pair = {
        **base,
        "dimensions": json.dumps(["campaign_id", "gender", "platform"]),
        "metrics": json.dumps(["spend"]),
    }
    assert "only age and gender combine" in error(api.get("report/integrated/get/", params=pair), 40002)
