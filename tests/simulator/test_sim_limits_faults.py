"""Rate limits (40100 with HTTP 200), injected faults, and the optional idempotency keys."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from simulator import SimulatorServer, demo_scenario

from .helpers import ADV, error, ok

LIST = ("campaign/get/", {"advertiser_id": ADV})


def set_limits(admin: httpx.Client, limits: dict[str, Any]) -> None:
    admin.post("limits", json=limits).raise_for_status()


def set_faults(admin: httpx.Client, *rules: dict[str, Any], seed: int | None = None) -> None:
    admin.post("faults", json={"seed": seed, "rules": list(rules)}).raise_for_status()


def campaign(name: str) -> dict[str, Any]:
    return {"advertiser_id": ADV, "campaign_name": name, "objective_type": "TRAFFIC"}


def test_demo_limits_are_generous_defaults() -> None:
    limits = demo_scenario().limits.default
    assert (limits.advertiser_qps, limits.advertiser_qpm, limits.app_qps) == (10, 600, 50)


def test_advertiser_qps_limit_then_recovery(api: httpx.Client, admin: httpx.Client) -> None:
    set_limits(admin, {"default": {"advertiser_qps": 2}})
    ok(api.get(LIST[0], params=LIST[1]))
    ok(api.get(LIST[0], params=LIST[1]))
    response = api.get(LIST[0], params=LIST[1])
    assert response.status_code == 200
    assert "Too many requests" in error(response, 40100)
    stats = admin.get("stats").json()
    assert stats["throttled"] == {"management": 1} and stats["throttled_by_scope"] == {"advertiser:qps": 1}
    time.sleep(1.05)  # the per-second window recovers after 1 s
    ok(api.get(LIST[0], params=LIST[1]))


def test_limits_are_per_family_and_per_app(api: httpx.Client, admin: httpx.Client) -> None:
    set_limits(admin, {"default": {}, "families": {"account": {"app_qpm": 2}}})
    info = {"advertiser_ids": f'["{ADV}"]'}
    ok(api.get("advertiser/info/", params=info))
    ok(api.get("advertiser/info/", params=info))
    error(api.get("advertiser/info/", params=info), 40100)
    for _ in range(5):  # other families are not limited
        ok(api.get(LIST[0], params=LIST[1]))


def test_advertiser_limit_can_answer_40133(api: httpx.Client, admin: httpx.Client) -> None:
    set_limits(admin, {"default": {"advertiser_qpm": 1}, "advertiser_error_code": 40133})
    ok(api.get(LIST[0], params=LIST[1]))
    error(api.get(LIST[0], params=LIST[1]), 40133)


@pytest.mark.parametrize("code", [50000, 51010, 60001, 50002])
def test_error_code_faults(api: httpx.Client, admin: httpx.Client, code: int) -> None:
    set_faults(admin, {"kind": "error_code", "code": code, "max_count": 1})
    error(api.get(LIST[0], params=LIST[1]), code)
    ok(api.get(LIST[0], params=LIST[1]))
    assert admin.get("stats").json()["faults"] == {"error_code": 1}


def test_http_5xx_fault_and_scoping(api: httpx.Client, admin: httpx.Client) -> None:
    set_faults(
        admin,
        {"kind": "http_error", "http_status": 503, "family": "report"},
        {"kind": "error_code", "code": 50000, "advertiser_id": "7000000000000000002"},
    )
    ok(api.get(LIST[0], params=LIST[1]))  # neither rule matches
    response = api.get("report/integrated/get/", params={"advertiser_id": ADV})
    assert response.status_code == 503
    set_faults(admin, {"kind": "http_error", "http_status": 500, "path": "campaign/get/", "method": "GET"})
    assert api.get(LIST[0], params=LIST[1]).status_code == 500
    ok(api.get("adgroup/get/", params={"advertiser_id": ADV}))


def test_probabilistic_faults_are_reproducible(api: httpx.Client, admin: httpx.Client) -> None:
    def pattern() -> list[int]:
        set_faults(admin, {"kind": "error_code", "code": 50000, "probability": 0.5}, seed=3)
        return [api.get(LIST[0], params=LIST[1]).json()["code"] for _ in range(16)]

    first = pattern()
    assert first == pattern()
    assert 0 < first.count(50000) < 16


def test_latency_fault(api: httpx.Client, admin: httpx.Client) -> None:
    set_faults(admin, {"kind": "latency", "latency_ms": 300})
    started = time.monotonic()
    ok(api.get(LIST[0], params=LIST[1]))
    assert time.monotonic() - started >= 0.3


def test_timeout_fault_hangs_past_the_client_then_answers(sim: SimulatorServer, admin: httpx.Client) -> None:
    set_faults(admin, {"kind": "timeout", "seconds": 0.8, "max_count": 1, "path": "campaign/create/"})
    headers = {"Access-Token": "demo-access-token"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(sim.api_url + "campaign/create/", json=campaign("Hung"), headers=headers, timeout=0.3)
    time.sleep(0.8)  # the hung request is still handled after the hang
    listed = ok(
        httpx.get(
            sim.api_url + "campaign/get/",
            headers=headers,
            params={"advertiser_id": ADV, "filtering": '{"campaign_name":"Hung"}'},
        )
    )
    assert len(listed["list"]) == 1


def test_delay_after_mutation_then_create_or_get(sim: SimulatorServer, admin: httpx.Client) -> None:
    set_faults(
        admin, {"kind": "delay_after_mutation", "seconds": 1.0, "path": "campaign/create/", "max_count": 1}
    )
    headers = {"Access-Token": "demo-access-token", "X-Idempotency-Key": "wf-1/step-3"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(sim.api_url + "campaign/create/", json=campaign("Delayed"), headers=headers, timeout=0.3)
    # the campaign already exists although the client saw a timeout: create-or-get finds it
    params = {"advertiser_id": ADV, "filtering": '{"campaign_name":"Delayed"}'}
    found = ok(httpx.get(sim.api_url + "campaign/get/", params=params, headers=headers))["list"]
    assert len(found) == 1
    stats = admin.get("stats").json()
    assert stats["created"] == {"campaign": 1} and stats["idempotency_keys"] == {"wf-1/step-3": 1}
    time.sleep(0.8)


def test_idempotency_replays_when_enabled(api: httpx.Client, admin: httpx.Client) -> None:
    headers = {"X-Idempotency-Key": "key-1"}
    first = ok(api.post("campaign/create/", json=campaign("Once"), headers=headers))
    error(api.post("campaign/create/", json=campaign("Once"), headers=headers), 40002)  # off by default
    admin.post("idempotency", json={"enabled": True}).raise_for_status()
    headers = {"X-Idempotency-Key": "key-2"}
    second = ok(api.post("campaign/create/", json=campaign("Twice"), headers=headers))
    again = ok(api.post("campaign/create/", json=campaign("Twice"), headers=headers))
    assert again == second and second["campaign_id"] != first["campaign_id"]
    group = {
        "advertiser_id": ADV,
        "campaign_id": second["campaign_id"],
        "adgroup_name": "g",
        "request_id": "r-9",
        "budget_mode": "BUDGET_MODE_DAY",
        "budget": 30,
        "optimization_goal": "CLICK",
    }
    assert ok(api.post("adgroup/create/", json=group)) == ok(api.post("adgroup/create/", json=group))
    stats = admin.get("stats").json()
    assert stats["created"] == {"campaign": 2, "adgroup": 1}
    assert stats["idempotency_keys"] == {"key-1": 2, "key-2": 2, "r-9": 2}
    assert stats["idempotent_replays"] == 2
