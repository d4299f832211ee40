"""Fixtures for the simulator's contract tests: one real server per session, reset per test.

Everything goes over real HTTP (httpx against uvicorn on 127.0.0.1); nothing is mocked.
``sim`` reloads the demo scenario (fresh clock, entities, limits, faults, stats) before
each test; ``load(...)`` switches to a test's own scenario.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simulator import DEMO_ACCESS_TOKEN, SimulatorServer

from .helpers import load, small_scenario


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimulatorServer]:
    with SimulatorServer(port=0) as server:
        yield server


@pytest.fixture
def sim(sim_server: SimulatorServer) -> SimulatorServer:
    """The shared server, reset to the demo scenario without rate limits (tests call fast)."""
    load(sim_server, small_scenario())
    return sim_server


@pytest.fixture
def api(sim: SimulatorServer) -> Iterator[httpx.Client]:
    """A client of the TikTok API with the demo token."""
    with httpx.Client(
        base_url=sim.api_url, headers={"Access-Token": DEMO_ACCESS_TOKEN}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def admin(sim: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sim.base_url}/sim/", timeout=30) as client:
        yield client
