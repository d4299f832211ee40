"""The scenario model, the built-in demo, the documented example, and the admin API."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from simulator import (
    DEMO_ACCESS_TOKEN,
    DEMO_ADVERTISER_ID,
    DEMO_APP_ID,
    DEMO_SECRET,
    Scenario,
    SimulatorServer,
    demo_scenario,
)
from simulator.scenario import TokenSpec

from .helpers import ADV, ok

DOCS = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def test_demo_scenario_contents() -> None:
    demo = demo_scenario()
    assert (DEMO_APP_ID, DEMO_SECRET) == (demo.apps[0].app_id, demo.apps[0].secret)
    assert demo.access_tokens[0].access_token == DEMO_ACCESS_TOKEN
    assert demo.access_tokens[0].expires_in_hours is None
    advertiser = demo.advertisers[0]
    assert advertiser.advertiser_id == DEMO_ADVERTISER_ID
    groups = [g for c in advertiser.campaigns for g in c.adgroups]
    ads = [a for g in groups for a in g.ads]
    assert (len(advertiser.campaigns), len(groups), len(ads)) == (3, 6, 15)
    assert (len(advertiser.videos), len(advertiser.images)) == (5, 3)


def test_documented_scenario_example_is_valid() -> None:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- scenario-example -->\s*```json\n(.*?)```", text, re.S)
    assert match, "docs/simulator.md lost its scenario example"
    scenario = Scenario.model_validate(json.loads(match.group(1)))
    with SimulatorServer(scenario) as srv:
        token = scenario.access_tokens[0]
        advertiser = token.advertiser_ids[0]
        params = {"advertiser_id": advertiser}
        headers = {"Access-Token": token.access_token}
        assert ok(httpx.get(srv.api_url + "ad/get/", params=params, headers=headers))["list"]


def test_scenario_references_are_checked() -> None:
    with pytest.raises(ValidationError, match="unknown advertiser_ids"):
        Scenario(
            apps=[{"app_id": "a", "secret": "s"}],  # type: ignore[list-item]
            access_tokens=[TokenSpec(access_token="t", app_id="a", advertiser_ids=["1"])],
        )
    with pytest.raises(ValidationError):
        Scenario.model_validate({"market": {"hour_curve": [1, 2, 3]}})


def test_admin_scenario_reset_and_validation(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    assert admin.get("scenario").json()["name"] == "demo"
    assert admin.post("scenario", json={"apps": "nope"}).status_code == 422
    assert admin.post("advance", json={}).status_code == 400
    assert admin.post("advance", json={"to": "2023-01-01 00:00:00"}).status_code == 400
    moved = admin.post("advance", json={"to": "2024-01-03 05:30:00"}).json()
    assert moved["now"] == "2024-01-03 05:00:00" and moved["hours"] == 53
    ok(
        api.post(
            "campaign/create/", json={"advertiser_id": ADV, "campaign_name": "tmp", "objective_type": "REACH"}
        )
    )
    assert admin.post("reset").json()["now"] == "2024-01-01 00:00:00"
    assert ok(api.get("campaign/get/", params={"advertiser_id": ADV}))["page_info"]["total_number"] == 3
    assert admin.get("stats").json()["created"] == {}
    assert admin.get("idempotency").json() == {"enabled": False}
    assert admin.get("limits").json()["default"]["advertiser_qps"] is None
    assert admin.get("faults").json() == {"seed": None, "rules": []}


def test_tick_advances_the_clock_on_its_own() -> None:
    with SimulatorServer(tick_seconds=0.05) as srv:
        time.sleep(0.4)
        now = httpx.get(srv.base_url + "/sim/clock").json()["now"]
        assert now > "2024-01-01 02:00:00"
