"""A local TikTok Marketing API v1.3 over real HTTP, with a synthetic ad auction.

Same paths, envelope, error codes and rate limits as TikTok's API, so a client (or
TikTok's own SDKs) can be pointed at it unchanged. See docs/simulator.md.
"""

from simulator.app import create_app
from simulator.scenario import (
    DEMO_ACCESS_TOKEN,
    DEMO_ADVERTISER_ID,
    DEMO_APP_ID,
    DEMO_AUTH_CODE,
    DEMO_SECRET,
    Scenario,
    demo_scenario,
    load_scenario,
)
from simulator.server import SimulatorServer

__all__ = [
    "DEMO_ACCESS_TOKEN",
    "DEMO_ADVERTISER_ID",
    "DEMO_APP_ID",
    "DEMO_AUTH_CODE",
    "DEMO_SECRET",
    "Scenario",
    "SimulatorServer",
    "create_app",
    "demo_scenario",
    "load_scenario",
]
