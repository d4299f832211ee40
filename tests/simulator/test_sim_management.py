"""Campaign / ad group / ad create, get, update and status flows, and their validation."""

from __future__ import annotations

from typing import Any

import httpx

from .helpers import ADV, error, make_mp4, md5, ok

VIDEO = "v10033g50000demo0001"  # a ready video of the demo scenario


def create_campaign(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"advertiser_id": ADV, "campaign_name": "Launch", "objective_type": "WEB_CONVERSIONS", **fields}
    data: dict[str, Any] = ok(api.post("campaign/create/", json=body))
    return data


def create_adgroup(api: httpx.Client, campaign_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "advertiser_id": ADV,
        "campaign_id": campaign_id,
        "adgroup_name": "Group",
        "budget_mode": "BUDGET_MODE_DAY",
        "budget": 40,
        "optimization_goal": "CONVERT",
        "billing_event": "OCPM",
        **fields,
    }
    data: dict[str, Any] = ok(api.post("adgroup/create/", json=body))
    return data


def creative(name: str = "Ad", **fields: Any) -> dict[str, Any]:
    return {"ad_name": name, "ad_text": "Buy now", "ad_format": "SINGLE_VIDEO", "video_id": VIDEO, **fields}


def test_create_disabled_tree_then_enable(api: httpx.Client) -> None:
    campaign = create_campaign(api, operation_status="DISABLE", budget_mode="BUDGET_MODE_DAY", budget=100)
    cid = campaign["campaign_id"]
    assert len(cid) == 19 and cid.isdigit()
    assert campaign["operation_status"] == "DISABLE"
    assert campaign["secondary_status"] == "CAMPAIGN_STATUS_DISABLE"
    group = create_adgroup(api, cid, operation_status="DISABLE")
    ads = ok(
        api.post(
            "ad/create/",
            json={
                "advertiser_id": ADV,
                "adgroup_id": group["adgroup_id"],
                "creatives": [creative("A", operation_status="DISABLE"), creative("B")],
            },
        )
    )
    assert len(ads["ad_ids"]) == 2
    assert ads["creatives"][0]["campaign_id"] == cid
    got = ok(api.get("ad/get/", params={"advertiser_id": ADV, "filtering": f'{{"campaign_ids":["{cid}"]}}'}))
    statuses = {a["ad_name"]: a["secondary_status"] for a in got["list"]}
    assert statuses == {"A": "AD_STATUS_DISABLE", "B": "AD_STATUS_ADGROUP_DISABLE"}
    for kind, ids in (("campaign", [cid]), ("adgroup", [group["adgroup_id"]]), ("ad", ads["ad_ids"])):
        data = ok(
            api.post(
                f"{kind}/status/update/",
                json={"advertiser_id": ADV, f"{kind}_ids": ids, "operation_status": "ENABLE"},
            )
        )
        assert data["status"] == "ENABLE" and data[f"{kind}_ids"] == ids
    got = ok(api.get("ad/get/", params={"advertiser_id": ADV, "filtering": f'{{"campaign_ids":["{cid}"]}}'}))
    assert {a["secondary_status"] for a in got["list"]} == {"AD_STATUS_DELIVERY_OK"}


def test_update_campaign_and_adgroup(api: httpx.Client) -> None:
    campaign = create_campaign(api, budget_mode="BUDGET_MODE_DAY", budget=100)
    updated = ok(
        api.post(
            "campaign/update/",
            json={
                "advertiser_id": ADV,
                "campaign_id": campaign["campaign_id"],
                "campaign_name": "Renamed",
                "budget": 150,
            },
        )
    )
    assert updated["campaign_name"] == "Renamed" and updated["budget"] == 150
    group = create_adgroup(api, campaign["campaign_id"], bid_type="BID_TYPE_CUSTOM", conversion_bid_price=12)
    body = {"advertiser_id": ADV, "adgroup_id": group["adgroup_id"], "budget": 60, "conversion_bid_price": 14}
    updated = ok(api.post("adgroup/update/", json=body))
    assert updated["budget"] == 60 and updated["conversion_bid_price"] == 14
    body = {"advertiser_id": ADV, "budget": [{"adgroup_id": group["adgroup_id"], "budget": 70}]}
    ok(api.post("adgroup/budget/update/", json=body))
    filtering = f'{{"adgroup_ids":["{group["adgroup_id"]}"]}}'
    listed = ok(api.get("adgroup/get/", params={"advertiser_id": ADV, "filtering": filtering}))
    assert listed["list"][0]["budget"] == 70


def test_update_ad_creative(api: httpx.Client) -> None:
    group = create_adgroup(api, create_campaign(api)["campaign_id"])
    ad_id = ok(
        api.post(
            "ad/create/",
            json={"advertiser_id": ADV, "adgroup_id": group["adgroup_id"], "creatives": [creative()]},
        )
    )["ad_ids"][0]
    body = {
        "advertiser_id": ADV,
        "adgroup_id": group["adgroup_id"],
        "creatives": [{"ad_id": ad_id, "ad_text": "New text", "video_id": "v10033g50000demo0002"}],
    }
    data = ok(api.post("ad/update/", json=body))
    assert data["ad_ids"] == [ad_id]
    assert data["creatives"][0]["ad_text"] == "New text"
    assert data["creatives"][0]["video_id"] == "v10033g50000demo0002"


def test_deleted_is_hidden_and_cannot_change(api: httpx.Client) -> None:
    campaign = create_campaign(api)
    cid = campaign["campaign_id"]
    group = create_adgroup(api, cid)
    ok(
        api.post(
            "campaign/status/update/",
            json={"advertiser_id": ADV, "campaign_ids": [cid], "operation_status": "DELETE"},
        )
    )
    ids = [c["campaign_id"] for c in ok(api.get("campaign/get/", params={"advertiser_id": ADV}))["list"]]
    assert cid not in ids
    for status in ("CAMPAIGN_STATUS_ALL", "CAMPAIGN_STATUS_DELETE"):
        filtering = f'{{"secondary_status":"{status}"}}'
        listed = ok(api.get("campaign/get/", params={"advertiser_id": ADV, "filtering": filtering}))
        assert cid in [c["campaign_id"] for c in listed["list"]]
    listed = ok(
        api.get(
            "campaign/get/", params={"advertiser_id": ADV, "filtering": '{"primary_status":"STATUS_ALL"}'}
        )
    )
    assert listed["page_info"]["total_number"] == 4
    # the deletion cascades to the ad group
    filtering = '{"secondary_status":"ADGROUP_STATUS_DELETE"}'
    deleted_groups = ok(api.get("adgroup/get/", params={"advertiser_id": ADV, "filtering": filtering}))[
        "list"
    ]
    assert [g["adgroup_id"] for g in deleted_groups] == [group["adgroup_id"]]
    body = {"advertiser_id": ADV, "campaign_ids": [cid], "operation_status": "ENABLE"}
    assert error(api.post("campaign/status/update/", json=body), 40002).startswith("campaign_ids")
    body = {"advertiser_id": ADV, "campaign_id": cid, "campaign_name": "x"}
    error(api.post("campaign/update/", json=body), 40002)
    error(
        api.post(
            "adgroup/create/",
            json={
                "advertiser_id": ADV,
                "campaign_id": cid,
                "adgroup_name": "g",
                "budget_mode": "BUDGET_MODE_DAY",
                "budget": 50,
                "optimization_goal": "CLICK",
            },
        ),
        40002,
    )


def test_validation_names_the_field(api: httpx.Client) -> None:
    def fails(path: str, body: dict[str, Any]) -> str:
        return error(api.post(path, json={"advertiser_id": ADV, **body}), 40002)

    assert fails("campaign/create/", {"objective_type": "REACH"}).startswith("campaign_name")
    assert fails("campaign/create/", {"campaign_name": "x", "objective_type": "SALES!"}).startswith(
        "objective_type"
    )
    msg = fails(
        "campaign/create/",
        {"campaign_name": "x", "objective_type": "REACH", "budget_mode": "BUDGET_MODE_DAY"},
    )
    assert msg.startswith("budget")
    msg = fails(
        "campaign/create/",
        {"campaign_name": "x", "objective_type": "REACH", "budget_mode": "BUDGET_MODE_DAY", "budget": 10},
    )
    assert msg.startswith("budget") and "50" in msg
    assert fails(
        "campaign/create/", {"campaign_name": "Spring Sale - Conversions", "objective_type": "REACH"}
    ).startswith("campaign_name")
    cid = create_campaign(api)["campaign_id"]
    base = {"campaign_id": cid, "adgroup_name": "g", "budget_mode": "BUDGET_MODE_DAY", "budget": 50}
    assert fails("adgroup/create/", base).startswith("optimization_goal")
    assert fails("adgroup/create/", {**base, "optimization_goal": "CONVERT", "budget": 5}).startswith(
        "budget"
    )
    assert fails(
        "adgroup/create/", {**base, "optimization_goal": "CONVERT", "bid_type": "BID_TYPE_CUSTOM"}
    ).startswith("conversion_bid_price")
    assert fails(
        "adgroup/create/", {**base, "optimization_goal": "CONVERT", "pacing": "PACING_MODE_TURBO"}
    ).startswith("pacing")
    assert fails(
        "adgroup/create/",
        {**base, "optimization_goal": "CONVERT", "budget_mode": "BUDGET_MODE_TOTAL", "budget": 500},
    ).startswith("schedule_type")
    gid = create_adgroup(api, cid)["adgroup_id"]
    bad = {"adgroup_id": gid, "creatives": [{"ad_text": "t", "video_id": VIDEO}]}
    assert fails("ad/create/", bad).startswith("creatives[0].ad_name")
    bad = {"adgroup_id": gid, "creatives": [creative(video_id="v-unknown")]}
    assert fails("ad/create/", bad).startswith("creatives[0].video_id")
    assert fails("ad/create/", {"adgroup_id": gid}).startswith("creatives")
    ids = [str(i) for i in range(21)]
    assert fails("campaign/status/update/", {"campaign_ids": ids, "operation_status": "ENABLE"}).startswith(
        "campaign_ids"
    )
    assert fails("campaign/status/update/", {"campaign_ids": [cid], "operation_status": "PAUSE"}).startswith(
        "operation_status"
    )


def test_unknown_objects_are_40007(api: httpx.Client) -> None:
    error(
        api.post("campaign/update/", json={"advertiser_id": ADV, "campaign_id": "1799999999999999999"}), 40007
    )
    body = {"advertiser_id": ADV, "ad_ids": ["1999999999999999999"], "operation_status": "DISABLE"}
    error(api.post("ad/status/update/", json=body), 40007)


def test_ad_group_holds_at_most_20_ads(api: httpx.Client) -> None:
    gid = create_adgroup(api, create_campaign(api)["campaign_id"])["adgroup_id"]
    body = {"advertiser_id": ADV, "adgroup_id": gid, "creatives": [creative(f"ad {i}") for i in range(18)]}
    ok(api.post("ad/create/", json=body))
    body["creatives"] = [creative("19"), creative("20"), creative("21")]
    error(api.post("ad/create/", json=body), 40502)


def test_processing_video_cannot_be_used_yet(api: httpx.Client) -> None:
    data = make_mp4()
    video = ok(
        api.post(
            "file/video/ad/upload/",
            data={"advertiser_id": ADV, "video_signature": md5(data)},
            files={"video_file": ("clip.mp4", data, "video/mp4")},
        )
    )[0]
    gid = create_adgroup(api, create_campaign(api)["campaign_id"])["adgroup_id"]
    body = {"advertiser_id": ADV, "adgroup_id": gid, "creatives": [creative(video_id=video["video_id"])]}
    error(api.post("ad/create/", json=body), 40901)
    ok(api.get("file/video/ad/info/", params={"advertiser_id": ADV, "video_ids": f'["{video["video_id"]}"]'}))
    ok(api.post("ad/create/", json=body))


def test_bid_strategy_switch_needs_a_cost_cap_bid(api: httpx.Client) -> None:
    broad = {"advertiser_id": ADV, "adgroup_id": "1800000000000000001"}  # Maximum Delivery, no bid
    assert "conversion_bid_price" in error(
        api.post("adgroup/update/", json={**broad, "bid_type": "BID_TYPE_CUSTOM"}), 40002
    )
    ok(api.post("adgroup/update/", json={**broad, "bid_type": "BID_TYPE_CUSTOM", "conversion_bid_price": 30}))
    params = {"advertiser_id": ADV, "filtering": '{"adgroup_ids": ["1800000000000000001"]}'}
    group = ok(api.get("adgroup/get/", params=params))["list"][0]
    assert (group["bid_type"], group["conversion_bid_price"]) == ("BID_TYPE_CUSTOM", 30)
