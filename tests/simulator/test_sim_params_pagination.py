"""Pagination arithmetic and TikTok's two ways of passing lists (JSON value, repeated keys)."""

from __future__ import annotations

import json
import math

import httpx
from hypothesis import given
from hypothesis import strategies as st

from simulator.api import paginate
from simulator.params import Params

from .helpers import ADV, error, ok


def test_pages_cover_every_ad_once(api: httpx.Client) -> None:
    seen: list[str] = []
    page = 1
    while True:
        data = ok(api.get("ad/get/", params={"advertiser_id": ADV, "page": page, "page_size": 4}))
        info = data["page_info"]
        assert info == {"page": page, "page_size": 4, "total_number": 15, "total_page": 4}
        seen += [a["ad_id"] for a in data["list"]]
        if page >= info["total_page"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 15
    beyond = ok(api.get("ad/get/", params={"advertiser_id": ADV, "page": 9, "page_size": 4}))
    assert beyond["list"] == [] and beyond["page_info"]["total_number"] == 15


def test_default_page_size_is_10(api: httpx.Client) -> None:
    data = ok(api.get("ad/get/", params={"advertiser_id": ADV}))
    assert len(data["list"]) == 10 and data["page_info"]["total_page"] == 2


def test_page_size_and_page_bounds(api: httpx.Client) -> None:
    assert error(api.get("ad/get/", params={"advertiser_id": ADV, "page_size": 1001}), 40002).startswith(
        "page_size"
    )
    assert error(api.get("ad/get/", params={"advertiser_id": ADV, "page": 0}), 40002).startswith("page")
    ok(api.get("ad/get/", params={"advertiser_id": ADV, "page_size": 1000}))


def test_json_encoded_and_repeated_key_lists_agree(api: httpx.Client) -> None:
    ids = ["1700000000000000001", "1700000000000000002"]
    as_json = ok(
        api.get(
            "campaign/get/", params={"advertiser_id": ADV, "filtering": json.dumps({"campaign_ids": ids})}
        )
    )
    repeated = ok(
        api.get("campaign/get/", params=[("advertiser_id", ADV), *(("campaign_ids", i) for i in ids)])
    )
    top_json = ok(api.get("campaign/get/", params={"advertiser_id": ADV, "campaign_ids": json.dumps(ids)}))
    for data in (as_json, repeated, top_json):
        assert sorted(c["campaign_id"] for c in data["list"]) == ids
    fields = ok(
        api.get(
            "campaign/get/", params=[("advertiser_id", ADV), ("fields", "campaign_id"), ("fields", "budget")]
        )
    )
    assert all(set(c) == {"campaign_id", "budget"} for c in fields["list"])
    fields = ok(api.get("campaign/get/", params={"advertiser_id": ADV, "fields": '["campaign_name"]'}))
    assert all(set(c) == {"campaign_name"} for c in fields["list"])


def test_filters(api: httpx.Client) -> None:
    filtering = json.dumps({"campaign_ids": [str(i) for i in range(101)]})
    assert error(
        api.get("campaign/get/", params={"advertiser_id": ADV, "filtering": filtering}), 40002
    ).startswith("filtering.campaign_ids")
    by_name = ok(
        api.get("adgroup/get/", params={"advertiser_id": ADV, "filtering": '{"adgroup_name":"spring"}'})
    )
    assert by_name["page_info"]["total_number"] == 3
    disabled = ok(
        api.get(
            "ad/get/", params={"advertiser_id": ADV, "filtering": '{"secondary_status":"AD_STATUS_DISABLE"}'}
        )
    )
    assert {a["ad_name"] for a in disabled["list"]} == {"Spring hero (old cut)", "Evergreen square"}
    delivering = ok(
        api.get(
            "ad/get/", params={"advertiser_id": ADV, "filtering": '{"primary_status":"STATUS_DELIVERY_OK"}'}
        )
    )
    assert delivering["page_info"]["total_number"] == 8
    objective = ok(
        api.get("adgroup/get/", params={"advertiser_id": ADV, "filtering": '{"objective_type":"REACH"}'})
    )
    assert objective["page_info"]["total_number"] == 2
    error(
        api.get(
            "ad/get/",
            params={"advertiser_id": ADV, "filtering": '{"secondary_status":"CAMPAIGN_STATUS_ALL"}'},
        ),
        40002,
    )
    error(api.get("ad/get/", params={"advertiser_id": ADV, "filtering": "{broken"}), 40002)


@given(total=st.integers(0, 300), size=st.integers(1, 50), page=st.integers(1, 12))
def test_paginate_arithmetic(total: int, size: int, page: int) -> None:
    items = list(range(total))
    data = paginate(items, Params({"page": page, "page_size": size}))
    info = data["page_info"]
    assert info["total_number"] == total
    assert info["total_page"] == math.ceil(total / size)
    assert data["list"] == items[(page - 1) * size : page * size]


@given(st.lists(st.text(alphabet="0123456789", min_size=1, max_size=19), min_size=1, max_size=5))
def test_query_lists_both_forms(values: list[str]) -> None:
    repeated = Params.from_query([("ids", v) for v in values]).list_of("ids")
    encoded = Params.from_query([("ids", json.dumps(values))]).list_of("ids")
    expected = values if len(values) > 1 else [values[0]]
    assert repeated == expected and encoded == values
