"""Market events change the truth from their hour on, for every ad their target matches;
``/sim/truth`` shows each ad group's true CPA and daily capacity; events can be added while
the simulator runs."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from simulator import Scenario, SimulatorServer
from simulator.scenario import MarketEvent

from .helpers import load, small_scenario
from .test_sim_auction import advance, report

SPRING_BROAD = "1800000000000000001"  # ad group "Spring - Broad" of the demo scenario
OTHER = "1800000000000000002"  # same campaign (no cap): untouched by the event


def _conversions(api: httpx.Client, day: str) -> dict[str, float]:
    rows = report(api, "AUCTION_ADGROUP", ["adgroup_id", "stat_time_day"], day, day)
    return {r["dimensions"]["adgroup_id"]: float(r["metrics"]["conversion"]) for r in rows}


def test_an_event_shifts_cpa_from_its_hour_on(
    sim: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    event = {
        "at": "2024-01-03 00:00:00",
        "target": {"adgroup_name": "Spring - Broad"},
        "true_cvr_factor": 0.25,
    }
    load(sim, small_scenario(events=[event]))
    advance(admin, 24)
    before = admin.get("truth").json()["adgroups"]
    advance(admin, 48)
    after = admin.get("truth").json()["adgroups"]
    assert after[SPRING_BROAD]["true_cpa"] > 3 * before[SPRING_BROAD]["true_cpa"]
    assert after[OTHER]["true_cpa"] == pytest.approx(before[OTHER]["true_cpa"], rel=0.2)
    assert before[SPRING_BROAD]["capacity_per_day"] > 0
    plain = _conversions(api, "2024-01-03")
    load(sim, small_scenario())  # the same run without the event
    advance(admin, 72)
    unchanged = _conversions(api, "2024-01-03")
    assert plain[SPRING_BROAD] < 0.5 * unchanged[SPRING_BROAD]
    assert plain[OTHER] == unchanged[OTHER]


def test_events_are_added_at_run_time_and_validated(sim: SimulatorServer, admin: httpx.Client) -> None:
    event = {"at": "2024-01-01 05:00:00", "target": {"ad_name": "Spring hero 9x16"}, "true_ctr_factor": 2.0}
    listed = admin.post("events", json=[event])
    assert listed.status_code == 200 and listed.json()[-1]["true_ctr_factor"] == 2.0
    assert admin.get("events").json() == listed.json()
    bad = admin.post("events", json=[{"at": "2024-01-01 05:00:00", "target": {}}])
    assert bad.status_code == 422
    with pytest.raises(ValidationError, match="exactly one of"):
        MarketEvent.model_validate({"at": "2024-01-01", "target": {"ad_name": "a", "adgroup_name": "b"}})
    assert Scenario.model_validate({"events": [event]}).events[0].target.ad_name == "Spring hero 9x16"
