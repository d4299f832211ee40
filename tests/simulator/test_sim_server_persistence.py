"""SimulatorServer lifecycle, the CLI, --no-admin, and state that survives a restart."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from simulator import DEMO_ACCESS_TOKEN, SimulatorServer
from simulator.__main__ import main

from .helpers import ADV, ok, small_scenario

HEADERS = {"Access-Token": DEMO_ACCESS_TOKEN}
REPORT = {
    "advertiser_id": ADV,
    "report_type": "BASIC",
    "data_level": "AUCTION_CAMPAIGN",
    "dimensions": '["campaign_id","stat_time_day"]',
    "metrics": '["spend","impressions","conversion"]',
    "start_date": "2024-01-01",
    "end_date": "2024-01-02",
}


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "sim-state.json"
    scenario = small_scenario()
    with SimulatorServer(scenario, state_file=state_file) as first:
        api = httpx.Client(base_url=first.api_url, headers=HEADERS)
        created = ok(
            api.post(
                "campaign/create/",
                json={"advertiser_id": ADV, "campaign_name": "Kept", "objective_type": "REACH"},
            )
        )
        httpx.post(first.base_url + "/sim/advance", json={"hours": 30}).raise_for_status()
        before = ok(api.get("report/integrated/get/", params=REPORT))
        api.close()
    assert state_file.exists()
    with SimulatorServer(scenario, state_file=state_file) as second:
        api = httpx.Client(base_url=second.api_url, headers=HEADERS)
        assert httpx.get(second.base_url + "/sim/clock").json()["now"] == "2024-01-02 06:00:00"
        assert ok(api.get("report/integrated/get/", params=REPORT)) == before
        ids = [c["campaign_id"] for c in ok(api.get("campaign/get/", params={"advertiser_id": ADV}))["list"]]
        assert created["campaign_id"] in ids
        again = ok(
            api.post(
                "campaign/create/",
                json={"advertiser_id": ADV, "campaign_name": "New", "objective_type": "REACH"},
            )
        )
        assert again["campaign_id"] != created["campaign_id"]
        api.close()
    # a different scenario starts over instead of resuming
    with SimulatorServer(small_scenario(seed=99), state_file=state_file) as third:
        assert httpx.get(third.base_url + "/sim/clock").json()["now"] == "2024-01-01 00:00:00"


def test_no_admin_hides_sim_routes_but_not_the_api() -> None:
    with SimulatorServer(enable_admin=False) as srv:
        assert httpx.get(srv.base_url + "/sim/clock").status_code == 404
        ok(httpx.get(srv.api_url + "campaign/get/", params={"advertiser_id": ADV}, headers=HEADERS))


async def test_async_context_manager() -> None:
    async with SimulatorServer() as srv, httpx.AsyncClient(base_url=srv.api_url, headers=HEADERS) as client:
        response = await client.get("advertiser/info/", params={"advertiser_ids": f'["{ADV}"]'})
        assert ok(response)["list"][0]["name"] == "Demo Brand"


def test_stop_is_clean_with_a_request_hanging() -> None:
    srv = SimulatorServer(small_scenario()).start()
    httpx.post(srv.base_url + "/sim/faults", json={"rules": [{"kind": "timeout", "seconds": 30}]})

    def hang() -> None:
        try:
            httpx.get(
                srv.api_url + "campaign/get/", params={"advertiser_id": ADV}, headers=HEADERS, timeout=5
            )
        except httpx.HTTPError:
            pass

    thread = threading.Thread(target=hang)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 5
    thread.join(6)
    with pytest.raises(httpx.ConnectError):
        httpx.get(srv.base_url + "/sim/clock", timeout=1)


def test_cli_dump_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dump-scenario"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "demo"


def test_cli_serves_and_saves_state_on_shutdown(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state_file = tmp_path / "state.json"
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "--port",
        str(port),
        "--state-file",
        str(state_file),
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/sim/health", timeout=1).json() == {"ok": True}:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (
                proc.stderr.read() if proc.stderr else ""
            )
            time.sleep(0.1)
        httpx.post(f"http://127.0.0.1:{port}/sim/advance", json={"hours": 2}).raise_for_status()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert json.loads(state_file.read_text())["now"].startswith("2024-01-01T02:00")
