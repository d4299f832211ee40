"""Ad review and webhook deliveries: verdicts in ad/get and ad/review_info, signed events,
retries, dropped and duplicated deliveries, authorization.removed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from simulator import SimulatorServer
from tests.httpsink import HttpSink

from .helpers import ADV, ok
from .test_sim_management import create_adgroup, create_campaign, creative

SECRET = "demo-secret"


def make_ad(api: httpx.Client, **fields: Any) -> str:
    name = f"Launch {time.monotonic_ns()}"
    group = create_adgroup(api, create_campaign(api, campaign_name=name)["campaign_id"])
    body = {"advertiser_id": ADV, "adgroup_id": group["adgroup_id"], "creatives": [creative(**fields)]}
    return str(ok(api.post("ad/create/", json=body))["ad_ids"][0])


def ad_status(api: httpx.Client, ad_id: str) -> str:
    got = ok(api.get("ad/get/", params={"advertiser_id": ADV, "filtering": json.dumps({"ad_ids": [ad_id]})}))
    return str(got["list"][0]["secondary_status"])


def review_info(api: httpx.Client, ad_id: str) -> dict[str, Any]:
    got = ok(api.get("ad/review_info/", params={"advertiser_id": ADV, "ad_ids": json.dumps([ad_id])}))
    entry: dict[str, Any] = got["ad_review_map"][ad_id]
    return entry


def wait_until(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_review_takes_its_delay_then_rejects_with_a_signed_webhook(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    with HttpSink() as sink:
        admin.post("review", json={"delay_seconds": 0.4, "forbidden_words": ["miracle"]}).raise_for_status()
        admin.post("webhook", json={"url": sink.url + "/webhook/tiktok"}).raise_for_status()
        ad_id = make_ad(api, ad_text="A miracle cream")
        assert ad_status(api, ad_id) == "AD_STATUS_AUDIT"
        assert review_info(api, ad_id)["review_status"] == "IN_REVIEW"
        (got,) = sink.wait_for(1)
    assert ad_status(api, ad_id) == "AD_STATUS_AUDIT_DENY"
    info = review_info(api, ad_id)
    assert info["review_status"] == "UNAVAILABLE" and not info["is_approved"]
    assert "prohibited" in info["reject_info"][0]["reasons"][0] and info["reject_info"][0]["suggestion"]
    event = json.loads(got.body)
    assert event["event_type"] == "ad.review_status_update" and event["event_id"].startswith("evt_")
    assert event["data"]["ad_id"] == ad_id and event["data"]["review_status"] == "REJECTED"
    assert "miracle" in event["data"]["reject_reason"]
    stamp, mac = (part.split("=", 1)[1] for part in got.headers["tiktok-signature"].split(","))
    assert abs(int(stamp) - time.time()) < 30
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)


def test_rules_approve_clean_ads_and_reject_creatives_and_landing_pages(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    rules = {"reject_landing_pages": ["bad.example"], "reject_creatives": ["v10033g50000demo0002"]}
    admin.post("review", json=rules).raise_for_status()
    clean = make_ad(api)
    landing = make_ad(api, landing_page_url="https://bad.example/x")
    material = make_ad(api, video_id="v10033g50000demo0002")
    assert ad_status(api, clean) != "AD_STATUS_AUDIT_DENY"
    assert review_info(api, clean)["review_status"] == "ALL_AVAILABLE"
    assert "Landing page" in review_info(api, landing)["reject_info"][0]["reasons"][0]
    assert "creative policy" in review_info(api, material)["reject_info"][0]["reasons"][0]
    # an edit that removes the problem goes back to review and passes
    body = {
        "advertiser_id": ADV,
        "creatives": [{"ad_id": landing, "landing_page_url": "https://ok.example/"}],
    }
    ok(api.post("ad/update/", json=body))
    assert review_info(api, landing)["review_status"] == "ALL_AVAILABLE"


def test_failed_deliveries_are_retried_with_the_same_event_id(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    with HttpSink() as sink:
        sink.answers = [500, 503]
        admin.post("webhook", json={"url": sink.url, "retry_base_seconds": 0.05}).raise_for_status()
        make_ad(api)
        got = sink.wait_for(3)
    assert len({json.loads(r.body)["event_id"] for r in got}) == 1
    (delivery,) = admin.get("webhook/deliveries").json()
    assert delivery["state"] == "delivered" and delivery["attempts"] == 3
    assert delivery["answers"] == ["500", "503", "200"]


def test_drop_and_duplicate_switches_and_the_spec_signature(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    with HttpSink() as sink:
        spec = {"url": sink.url, "signature": "spec", "drop_next": 1, "duplicate_next": 1}
        admin.post("webhook", json=spec).raise_for_status()
        dropped, doubled = make_ad(api), make_ad(api)
        got = sink.wait_for(2)
        time.sleep(0.2)
    assert len(got) == 2
    assert {json.loads(r.body)["data"]["ad_id"] for r in got} == {doubled}
    states = {d["data"]["ad_id"]: d["state"] for d in admin.get("webhook/deliveries").json()}
    assert states == {dropped: "dropped", doubled: "delivered"}
    for received in got:
        mac = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
        assert received.headers["x-tiktok-signature"] == f"sha256={mac}"
        assert json.loads(received.body)["timestamp"] == int(received.headers["x-tiktok-timestamp"])


def test_deauthorize_revokes_tokens_and_announces_it(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    with HttpSink() as sink:
        admin.post("webhook", json={"url": sink.url}).raise_for_status()
        admin.post("deauthorize", json={"advertiser_id": ADV}).raise_for_status()
        (got,) = sink.wait_for(1)
    event = json.loads(got.body)
    assert event["event_type"] == "authorization.removed" and event["data"]["advertiser_id"] == ADV
    assert api.get("advertiser/info/", params={"advertiser_ids": json.dumps([ADV])}).json()["code"] == 40105
