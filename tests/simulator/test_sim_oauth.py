"""OAuth: auth codes, expiring and long-term tokens, refresh rotation, revoke, consent page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from simulator import DEMO_APP_ID, DEMO_AUTH_CODE, DEMO_SECRET, SimulatorServer
from simulator.scenario import DEMO_SECOND_ADVERTISER_ID, AuthCodeSpec, TokenSpec

from .helpers import ADV, error, load, ok, small_scenario

APP = {"app_id": DEMO_APP_ID, "secret": DEMO_SECRET}


def exchange(sim: SimulatorServer, code: str, **override: str) -> httpx.Response:
    return httpx.post(sim.api_url + "oauth2/access_token/", json={**APP, "auth_code": code, **override})


def test_auth_code_gives_expiring_tokens_that_work(sim: SimulatorServer) -> None:
    data = ok(exchange(sim, DEMO_AUTH_CODE))
    assert data["advertiser_ids"] == [ADV]
    assert data["access_token_expire_in"] == 86400 and data["refresh_token_expire_in"] == 31536000
    assert len(data["access_token"]) == 40 and data["refresh_token"] != data["access_token"]
    headers = {"Access-Token": data["access_token"]}
    listed = ok(httpx.get(sim.api_url + "oauth2/advertiser/get/", params=APP, headers=headers))
    assert listed["list"] == [{"advertiser_id": ADV, "advertiser_name": "Demo Brand"}]


def test_bad_secret_is_40101_and_used_code_is_40110(sim: SimulatorServer) -> None:
    error(exchange(sim, DEMO_AUTH_CODE, secret="wrong"), 40101)
    ok(exchange(sim, DEMO_AUTH_CODE))
    error(exchange(sim, DEMO_AUTH_CODE), 40110)
    error(exchange(sim, "never-issued"), 40110)
    assert error(httpx.post(sim.api_url + "oauth2/access_token/", json=APP), 40002).startswith("auth_code")


def test_auth_code_expires_after_one_simulated_hour(sim: SimulatorServer) -> None:
    scenario = small_scenario()
    scenario.auth_codes.append(AuthCodeSpec(auth_code="hour-code", app_id=DEMO_APP_ID, advertiser_ids=[ADV]))
    load(sim, scenario)
    httpx.post(f"{sim.base_url}/sim/advance", json={"hours": 1}, timeout=30).raise_for_status()
    error(exchange(sim, "hour-code"), 40110)


def test_refresh_rotates_and_old_refresh_token_is_rejected(sim: SimulatorServer) -> None:
    first = ok(exchange(sim, DEMO_AUTH_CODE))
    url = sim.api_url + "oauth2/refresh_token/"
    second = ok(httpx.post(url, json={**APP, "refresh_token": first["refresh_token"]}))
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    error(httpx.post(url, json={**APP, "refresh_token": first["refresh_token"]}), 40107)
    headers = {"Access-Token": second["access_token"]}
    ok(httpx.get(sim.api_url + "campaign/get/", params={"advertiser_id": ADV}, headers=headers))
    error(httpx.post(url, json={**APP, "secret": "bad", "refresh_token": second["refresh_token"]}), 40101)


def test_expired_refresh_token_is_40103(sim: SimulatorServer) -> None:
    scenario = small_scenario()
    scenario.access_tokens.append(
        TokenSpec(
            access_token="a" * 40,
            app_id=DEMO_APP_ID,
            advertiser_ids=[ADV],
            expires_in_hours=1,
            refresh_token="r" * 40,
            refresh_expires_in_hours=2,
        )
    )
    load(sim, scenario)
    httpx.post(f"{sim.base_url}/sim/advance", json={"hours": 2}, timeout=30).raise_for_status()
    error(httpx.post(sim.api_url + "oauth2/refresh_token/", json={**APP, "refresh_token": "r" * 40}), 40103)


def test_long_term_advertiser_gets_a_token_without_expiry_and_cannot_refresh(sim: SimulatorServer) -> None:
    scenario = small_scenario()
    scenario.auth_codes.append(
        AuthCodeSpec(auth_code="lt-code", app_id=DEMO_APP_ID, advertiser_ids=[DEMO_SECOND_ADVERTISER_ID])
    )
    load(sim, scenario)
    data = ok(exchange(sim, "lt-code"))
    assert set(data) == {"access_token", "advertiser_ids", "scope"}
    httpx.post(f"{sim.base_url}/sim/advance", json={"hours": 48}, timeout=30).raise_for_status()
    headers = {"Access-Token": data["access_token"]}
    ok(
        httpx.get(
            sim.api_url + "campaign/get/",
            params={"advertiser_id": DEMO_SECOND_ADVERTISER_ID},
            headers=headers,
        )
    )
    refresh = {**APP, "refresh_token": data["access_token"]}
    error(httpx.post(sim.api_url + "oauth2/refresh_token/", json=refresh), 40107)


def test_revoked_token_is_40105(sim: SimulatorServer) -> None:
    token = ok(exchange(sim, DEMO_AUTH_CODE))["access_token"]
    ok(httpx.post(sim.api_url + "oauth2/revoke_token/", json={**APP, "access_token": token}))
    headers = {"Access-Token": token}
    error(httpx.get(sim.api_url + "campaign/get/", params={"advertiser_id": ADV}, headers=headers), 40105)


def test_consent_page_redirects_with_a_fresh_auth_code(sim: SimulatorServer) -> None:
    response = httpx.get(
        sim.base_url + "/portal/auth",
        params={"app_id": DEMO_APP_ID, "state": "xyz", "redirect_uri": "https://app.example/cb"},
    )
    assert response.status_code == 302
    query = parse_qs(urlparse(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    data = ok(exchange(sim, query["auth_code"][0]))
    assert ADV in data["advertiser_ids"]
