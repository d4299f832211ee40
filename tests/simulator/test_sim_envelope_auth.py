"""Envelope, request ids, paths and the access-token / permission checks."""

from __future__ import annotations

import httpx

from simulator import DEMO_ACCESS_TOKEN, SimulatorServer
from simulator.scenario import DEMO_SECOND_ADVERTISER_ID, TokenSpec

from .helpers import ADV, error, load, ok, small_scenario


def test_envelope_shape_and_unique_request_ids(api: httpx.Client) -> None:
    ids = set()
    for _ in range(3):
        response = api.get("advertiser/info/", params={"advertiser_ids": f'["{ADV}"]'})
        body = response.json()
        assert set(body) == {"code", "message", "request_id", "data"}
        assert body["code"] == 0 and body["message"] == "OK"
        assert response.headers["X-Tt-Logid"] == body["request_id"]
        ids.add(body["request_id"])
    assert len(ids) == 3
    item = body["data"]["list"][0]
    assert item["advertiser_id"] == ADV and item["currency"] == "USD" and item["balance"] == 100000.0


def test_missing_trailing_slash_and_unknown_path_are_404(api: httpx.Client) -> None:
    assert api.get("campaign/get", params={"advertiser_id": ADV}).status_code == 404
    assert api.get("campaign/nothing/", params={"advertiser_id": ADV}).status_code == 404


def test_missing_token_is_40104_with_tiktoks_message(sim: SimulatorServer) -> None:
    response = httpx.get(sim.api_url + "campaign/get/", params={"advertiser_id": ADV})
    message = error(response, 40104)
    assert message == "Access token is null, you should set it in http header with key Access-Token."
    assert response.json()["data"] == {}


def test_invalid_token_is_40105(sim: SimulatorServer) -> None:
    response = httpx.get(
        sim.api_url + "campaign/get/", params={"advertiser_id": ADV}, headers={"Access-Token": "nope"}
    )
    error(response, 40105)


def test_token_for_another_advertiser_is_40001(api: httpx.Client) -> None:
    message = error(api.get("campaign/get/", params={"advertiser_id": DEMO_SECOND_ADVERTISER_ID}), 40001)
    assert DEMO_SECOND_ADVERTISER_ID in message
    error(
        api.get("advertiser/info/", params={"advertiser_ids": f'["{ADV}","{DEMO_SECOND_ADVERTISER_ID}"]'}),
        40001,
    )


def test_missing_advertiser_id_names_the_field(api: httpx.Client) -> None:
    assert error(api.get("campaign/get/"), 40002).startswith("advertiser_id")


def test_expiring_token_gives_40102_on_the_simulated_clock(sim: SimulatorServer) -> None:
    scenario = small_scenario()
    scenario.access_tokens.append(
        TokenSpec(access_token="short-lived", app_id="demo-app", advertiser_ids=[ADV], expires_in_hours=24)
    )
    load(sim, scenario)
    headers = {"Access-Token": "short-lived"}
    ok(httpx.get(sim.api_url + "campaign/get/", params={"advertiser_id": ADV}, headers=headers))
    httpx.post(f"{sim.base_url}/sim/advance", json={"hours": 24}, timeout=30).raise_for_status()
    error(httpx.get(sim.api_url + "campaign/get/", params={"advertiser_id": ADV}, headers=headers), 40102)
    # the demo token never expires
    headers = {"Access-Token": DEMO_ACCESS_TOKEN}
    ok(httpx.get(sim.api_url + "campaign/get/", params={"advertiser_id": ADV}, headers=headers))


def test_bad_json_body_is_40002(api: httpx.Client) -> None:
    response = api.post(
        "campaign/create/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    error(response, 40002)


def test_root_and_clock(sim: SimulatorServer, admin: httpx.Client) -> None:
    assert httpx.get(sim.base_url + "/").json()["api_base"] == "/open_api/v1.3/"
    assert admin.get("clock").json() == {"now": "2024-01-01 00:00:00", "start_time": "2024-01-01 00:00:00"}
