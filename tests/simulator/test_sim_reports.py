"""Reports: sync BASIC report shape and limits, async tasks with CSV download."""

from __future__ import annotations

import json
from typing import Any

import httpx

from simulator import SimulatorServer

from .helpers import ADV, error, ok

METRICS = [
    "spend",
    "impressions",
    "clicks",
    "conversion",
    "ctr",
    "cpm",
    "cpc",
    "conversion_rate",
    "reach",
]


def report_params(**override: Any) -> dict[str, Any]:
    params = {
        "advertiser_id": ADV,
        "report_type": "BASIC",
        "data_level": "AUCTION_CAMPAIGN",
        "dimensions": json.dumps(["campaign_id", "stat_time_day"]),
        "metrics": json.dumps(METRICS),
        "start_date": "2024-01-01",
        "end_date": "2024-01-02",
    }
    params.update(override)
    return params


def test_report_rows_are_strings_and_totals_add_up(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("advance", json={"hours": 48}).raise_for_status()
    data = ok(api.get("report/integrated/get/", params=report_params()))
    rows = data["list"]
    assert rows and data["page_info"]["total_number"] == len(rows)
    for row in rows:
        assert set(row["dimensions"]) == {"campaign_id", "stat_time_day"}
        assert row["dimensions"]["stat_time_day"] in ("2024-01-01 00:00:00", "2024-01-02 00:00:00")
        assert set(row["metrics"]) == set(METRICS)
        assert all(isinstance(v, str) for v in row["metrics"].values())
    # the paused campaign never appears
    assert {r["dimensions"]["campaign_id"] for r in rows} == {"1700000000000000001", "1700000000000000002"}
    spend = sum(float(r["metrics"]["spend"]) for r in rows)
    assert abs(spend - float(data["total_metrics"]["spend"])) < 0.05
    impressions = sum(int(r["metrics"]["impressions"]) for r in rows)
    assert impressions == int(data["total_metrics"]["impressions"])
    one = rows[0]["metrics"]
    assert abs(float(one["ctr"]) - int(one["clicks"]) / int(one["impressions"]) * 100) < 0.01
    # nothing before the clock started
    early = report_params(start_date="2023-12-01", end_date="2023-12-30")
    assert ok(api.get("report/integrated/get/", params=early))["list"] == []


def test_hourly_and_filtered_reports(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("advance", json={"hours": 24}).raise_for_status()
    params = report_params(
        data_level="AUCTION_AD",
        dimensions='["ad_id","stat_time_hour"]',
        start_date="2024-01-01",
        end_date="2024-01-01",
        filtering=json.dumps(
            [{"field_name": "campaign_ids", "filter_type": "IN", "filter_value": '["1700000000000000002"]'}]
        ),
        page_size=1000,
    )
    rows = ok(api.get("report/integrated/get/", params=params))["list"]
    ads = {r["dimensions"]["ad_id"] for r in rows}
    assert ads == {"1900000000000000010", "1900000000000000011", "1900000000000000012"}
    assert {r["dimensions"]["stat_time_hour"][11:] for r in rows} <= {f"{h:02d}:00:00" for h in range(24)}
    legacy = report_params(
        data_level="AUCTION_ADVERTISER",
        dimensions='["advertiser_id"]',
        filtering='{"campaign_ids":["1700000000000000002"]}',
    )
    total = ok(api.get("report/integrated/get/", params=legacy))
    assert total["list"][0]["dimensions"] == {"advertiser_id": ADV}


def test_report_window_limits_are_40067(api: httpx.Client) -> None:
    error(
        api.get(
            "report/integrated/get/", params=report_params(start_date="2024-01-01", end_date="2024-01-31")
        ),
        40067,
    )
    ok(
        api.get(
            "report/integrated/get/", params=report_params(start_date="2024-01-01", end_date="2024-01-30")
        )
    )
    hourly = report_params(dimensions='["campaign_id","stat_time_hour"]')
    error(api.get("report/integrated/get/", params=hourly), 40067)
    lifetime = report_params(dimensions='["campaign_id"]', start_date="2024-01-01", end_date="2025-01-01")
    error(api.get("report/integrated/get/", params=lifetime), 40067)


def test_report_parameter_errors(api: httpx.Client) -> None:
    undocumented = report_params(metrics='["spend","likes_per_fortnight"]')
    message = error(api.get("report/integrated/get/", params=undocumented), 40002)
    assert message.startswith("metrics") and "likes_per_fortnight" in message
    bad_level = report_params(data_level="AUCTION_AD")
    assert error(api.get("report/integrated/get/", params=bad_level), 40002).startswith("dimensions")
    assert error(api.get("report/integrated/get/", params=report_params(report_type=None)), 40002).startswith(
        "report_type"
    )
    swapped = report_params(start_date="2024-01-05", end_date="2024-01-01")
    assert error(api.get("report/integrated/get/", params=swapped), 40002).startswith("end_date")
    assert error(api.get("report/integrated/get/", params=report_params(page_size=1001)), 40002).startswith(
        "page_size"
    )


def test_async_task_lifecycle(sim: SimulatorServer, api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("advance", json={"hours": 24}).raise_for_status()
    body = {k: (json.loads(v) if k in ("dimensions", "metrics") else v) for k, v in report_params().items()}
    task_id = ok(api.post("report/task/create/", json=body))["task_id"]
    query = {"advertiser_id": ADV, "task_id": task_id}
    error(api.get("report/task/download/", params=query), 40201)
    assert ok(api.get("report/task/check/", params=query))["status"] == "PROCESSING"
    error(api.get("report/task/download/", params=query), 40201)
    assert ok(api.get("report/task/check/", params=query))["status"] == "SUCCESS"
    download = ok(api.get("report/task/download/", params=query))
    assert download["output_format"] == "CSV_DOWNLOAD"
    assert download["download_url"].startswith(sim.base_url + "/sim/files/report/")
    csv_text = httpx.get(download["download_url"]).text
    lines = csv_text.strip().splitlines()
    assert lines[0] == ",".join(["campaign_id", "stat_time_day", *METRICS])
    sync_rows = ok(api.get("report/integrated/get/", params=report_params()))["list"]
    assert len(lines) == 1 + len(sync_rows)
    error(api.post("report/task/cancel/", json=query), 40200)


def test_async_task_cancel_and_unknown(api: httpx.Client) -> None:
    body = {k: (json.loads(v) if k in ("dimensions", "metrics") else v) for k, v in report_params().items()}
    task_id = ok(api.post("report/task/create/", json=body))["task_id"]
    query = {"advertiser_id": ADV, "task_id": task_id}
    assert ok(api.post("report/task/cancel/", json=query))["status"] == "CANCELED"
    assert ok(api.get("report/task/check/", params=query))["status"] == "CANCELED"
    error(api.get("report/task/download/", params=query), 40201)
    error(api.get("report/task/check/", params={"advertiser_id": ADV, "task_id": "123"}), 40007)
    body["start_date"], body["end_date"] = "2024-01-01", "2024-03-01"
    error(api.post("report/task/create/", json=body), 40067)
