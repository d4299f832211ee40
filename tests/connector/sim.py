"""Small helpers to drive the simulator's admin API from connector tests."""

from __future__ import annotations

from typing import Any

import httpx

from simulator import DEMO_ACCESS_TOKEN, DEMO_ADVERTISER_ID

ADV = DEMO_ADVERTISER_ID
TOKEN = DEMO_ACCESS_TOKEN


async def admin(base_url: str, method: str, path: str, json: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=f"{base_url}/sim/", timeout=30) as http:
        response = await http.request(method, path, json=json)
        response.raise_for_status()
        return response.json()


async def set_faults(base_url: str, *rules: dict[str, Any]) -> None:
    await admin(base_url, "POST", "faults", {"seed": 1, "rules": list(rules)})


async def set_limits(base_url: str, **default: int | None) -> None:
    await admin(base_url, "POST", "limits", {"default": default})


async def stats(base_url: str) -> dict[str, Any]:
    return dict(await admin(base_url, "GET", "stats"))


async def advance(base_url: str, hours: int) -> dict[str, Any]:
    """Move the simulated clock (the market delivers every hour on the way)."""
    result: dict[str, Any] = await admin(base_url, "POST", "advance", {"hours": hours})
    return result
