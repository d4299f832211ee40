"""Write the benchmark scenarios (``bench/scenarios/*.json``) from a few numbers each.

Each scenario is one advertiser with ad groups whose true CPAs differ in a known way; the
market is the simulator's default except where the scenario is about it (fatigue, a CPA
shift, thin volume, Cost Cap). Re-run after changing a recipe:

    .venv/bin/python bench/scenarios/generate.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent
ADV = "7100000000000000001"
TOKEN = "bench-token"
MARKET_CPM = 8.0


def _ad(name: str, ctr: float, cvr: float, image: str) -> dict[str, Any]:
    return {
        "ad_name": name, "ad_format": "SINGLE_IMAGE", "image_ids": [image],
        "true_ctr": round(ctr, 5), "true_cvr": round(cvr, 5),
    }  # fmt: skip


def _cvr_for(cpa: float, ctr: float) -> float:
    """The CVR that gives ``cpa`` at the market CPM and ``ctr``."""
    return min(0.9, MARKET_CPM / 1000 / (ctr * cpa))


def scenario(
    name: str,
    cpas: list[float],
    *,
    budget: float = 50.0,
    ads: int = 3,
    campaigns: int = 3,
    ad_spread: float = 0.25,
    hourly_impressions: float | None = None,
    bid: dict[str, Any] | None = None,
    market: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    seed: int = 1,
) -> dict[str, Any]:
    """One advertiser, ``len(cpas)`` ad groups spread over ``campaigns`` campaigns; each ad
    group's ads have CPAs around its own (``ad_spread``: the log-spread between ads)."""
    rng = np.random.default_rng(seed)
    groups: list[list[dict[str, Any]]] = [[] for _ in range(campaigns)]
    for i, cpa in enumerate(cpas):
        ads_spec = []
        for j in range(ads):
            ctr = float(rng.uniform(0.008, 0.02))
            ad_cpa = cpa * math.exp(float(rng.normal(0, ad_spread)))
            ads_spec.append(_ad(f"G{i:03d} ad {j}", ctr, _cvr_for(ad_cpa, ctr), "img"))
        group: dict[str, Any] = {
            "adgroup_name": f"G{i:03d}", "budget": budget, "ads": ads_spec, **(bid or {}),
        }  # fmt: skip
        if hourly_impressions is not None:
            group["hourly_impressions"] = hourly_impressions
        groups[i % campaigns].append(group)
    total = budget * len(cpas)
    return {
        "name": name,
        "seed": seed,
        "start_time": "2024-03-01 00:00:00",
        "apps": [{"app_id": "demo-app", "secret": "demo-secret"}],
        "advertisers": [
            {
                "advertiser_id": ADV,
                "name": f"Bench {name}",
                "balance": 10_000_000.0,
                # paced over March, the month lands where the ad groups start; the daily burn
                # cap (5 % of the month) is then 1.55x that
                "monthly_budget": round(total * 31, 2),
                "images": [{"image_id": "img", "file_name": "img.jpg"}],
                "campaigns": [
                    {"campaign_name": f"C{c}", "objective_type": "CONVERSIONS", "adgroups": g}
                    for c, g in enumerate(groups)
                ],
            }
        ],
        "access_tokens": [{"access_token": TOKEN, "app_id": "demo-app", "advertiser_ids": [ADV]}],
        "market": {"cpm_noise": 0.15, **(market or {})},
        "limits": {"default": {}},
        "events": events or [],
    }


def big_accounts(
    advertisers: int = 1, campaigns: int = 1000, adgroups: int = 3000, ads: int = 10_000, seed: int = 5
) -> dict[str, Any]:
    """``advertisers`` accounts of the given size each (the speed benchmark's load): ad groups
    spread evenly over the campaigns, ads over the ad groups (the first ones get one more),
    true CPAs log-normal around 40. Built in memory: a file of this size is not worth keeping."""
    rng = np.random.default_rng(seed)
    body = scenario("big", [], seed=seed)
    accounts = []
    for a in range(advertisers):
        advertiser_id = str(int(ADV) + a)
        groups: list[list[dict[str, Any]]] = [[] for _ in range(campaigns)]
        for g in range(adgroups):
            cpa = 40.0 * math.exp(float(rng.normal(0, 0.5)))
            count = ads // adgroups + (1 if g < ads % adgroups else 0)
            ads_spec = []
            for j in range(count):
                ctr = float(rng.uniform(0.008, 0.02))
                ads_spec.append(_ad(f"G{g:05d} ad {j}", ctr, _cvr_for(cpa, ctr), "img"))
            groups[g % campaigns].append({"adgroup_name": f"G{g:05d}", "budget": 50.0, "ads": ads_spec})
        accounts.append(
            {
                **body["advertisers"][0],
                "advertiser_id": advertiser_id,
                "name": f"Bench big {a}",
                "monthly_budget": round(50.0 * adgroups * 31, 2),
                "campaigns": [
                    {"campaign_name": f"C{c:04d}", "objective_type": "CONVERSIONS", "adgroups": g}
                    for c, g in enumerate(groups)
                ],
            }
        )
    body["advertisers"] = accounts
    body["access_tokens"][0]["advertiser_ids"] = [acc["advertiser_id"] for acc in accounts]
    del body["limits"]  # the simulator's default limits: the speed benchmark measures throttling too
    return body


def recipes() -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(7)
    stable = [40.0 * f for f in np.linspace(0.7, 1.6, 12)]
    heavy = [float(40.0 * math.exp(x)) for x in rng.normal(0, 0.7, 12)]
    shift_names = [f"G{i:03d}" for i in range(3)]  # the three best ad groups turn bad on day 5
    return {
        "stable": scenario("stable", stable),
        "heavy_tailed": scenario("heavy_tailed", heavy),
        "creative_fatigue": scenario(
            "creative_fatigue",
            [40.0] * 8,
            ad_spread=0.05,
            market={"fatigue_impressions": 60_000.0, "fatigue_floor": 0.2},
        ),
        "cpa_shift": scenario(
            "cpa_shift",
            [25.0, 27.0, 30.0, *([45.0] * 6)],
            events=[
                {"at": "2024-03-05 00:00:00", "target": {"adgroup_name": n}, "true_cvr_factor": 0.3}
                for n in shift_names
            ],
        ),
        "many_low_volume": scenario(
            "many_low_volume",
            [float(40.0 * math.exp(x)) for x in rng.normal(0, 0.5, 300)],
            budget=20.0,
            ads=2,
            campaigns=10,
            hourly_impressions=250.0,
        ),
        "cost_cap": scenario(
            "cost_cap",
            [40.0 * f for f in np.linspace(0.8, 1.25, 10)],
            bid={"bid_type": "BID_TYPE_CUSTOM", "conversion_bid_price": 40.0},
        ),
    }


def main() -> None:
    for name, body in recipes().items():
        (OUT / f"{name}.json").write_text(json.dumps(body, indent=1) + "\n")
        print("wrote", OUT / f"{name}.json", len(body["advertisers"][0]["campaigns"]), "campaigns")


if __name__ == "__main__":
    main()
