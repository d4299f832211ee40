"""What every policy of the quality benchmark shares: its own simulator on a free port with
the scenario (rate limits lifted: the benchmark measures decisions, not throttling), a
throw-away store with the advertiser's token, the worker's dependencies, and the checks
and sums that judge a run independently of the code that decided."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from activities.context import Dependencies
from connector.limits import FamilyLimit, RateLimits
from connector.reports import integrated_report
from policy.guardrails import LaunchPolicy
from settings import Settings
from simulator import SimulatorServer
from simulator.scenario import LimitsSpec, Scenario
from store import Store, TokenCipher
from store.tokens import save_tokens

POLICY = LaunchPolicy()
UNLIMITED = FamilyLimit(advertiser_qps=None, advertiser_qpm=None, app_qps=None, app_qpm=None)


@dataclass
class Run:
    """One policy's world: simulator, store, dependencies; and what the judge saw."""

    scenario: Scenario
    target_cpa: float
    server: SimulatorServer
    store: Store
    deps: Dependencies
    tmp: tempfile.TemporaryDirectory[str]
    violations: list[str] = field(default_factory=list)
    changes: int = 0
    settings: dict[str, Any] = field(default_factory=dict)  # the cycle's settings under test

    @property
    def first_hour(self) -> int:
        return self.scenario.start_time.hour

    @property
    def start_budget(self) -> float:
        """What the enabled ad groups' daily budgets add up to at the start."""
        return sum(
            g.budget or 0
            for c in self.scenario.advertisers[0].campaigns
            for g in c.adgroups
            if g.operation_status == "ENABLE" and g.budget_mode == "BUDGET_MODE_DAY"
        )

    @property
    def oracle_total(self) -> float:
        """The oracle's daily total: the start's, within the burn cap."""
        cap = (self.monthly_budget or float("inf")) * POLICY.max_daily_burn_of_monthly
        return min(self.start_budget, cap)

    @property
    def advertiser_id(self) -> str:
        return self.scenario.advertisers[0].advertiser_id

    @property
    def monthly_budget(self) -> float | None:
        return self.scenario.advertisers[0].monthly_budget

    @property
    def base(self) -> str:
        return self.server.base_url

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=f"{self.base}/sim/", timeout=600) as http:
            answer = await http.request(method, path, json=body)
            answer.raise_for_status()
            return answer.json()

    async def now(self) -> datetime:
        return datetime.fromisoformat((await self.admin("GET", "clock"))["now"])

    async def advance(self, hours: int) -> None:
        await self.admin("POST", "advance", {"hours": hours})

    async def truth(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.admin("GET", "truth")
        return result

    async def adgroups(self) -> list[dict[str, Any]]:
        data = await self.deps.tiktok.get(
            "adgroup/get/",
            advertiser_id=self.advertiser_id,
            params={"advertiser_id": self.advertiser_id, "page_size": 1000},
        )
        return list(data["list"])

    async def check(self) -> None:
        """The guardrails, judged from TikTok's state (not from the code that clipped)."""
        groups = await self.adgroups()
        live = [g for g in groups if g["operation_status"] == "ENABLE"]
        for g in live:
            if (
                g.get("budget_mode") == "BUDGET_MODE_DAY"
                and float(g["budget"]) < POLICY.min_adgroup_budget - 1e-6
            ):
                self.violations.append(f"{g['adgroup_name']}: budget {g['budget']} < 20")
            bid = g.get("conversion_bid_price")
            if g.get("bid_type") == "BID_TYPE_CUSTOM" and bid:
                low, high = self.target_cpa * 0.7, self.target_cpa * 1.3
                if not low - 0.01 <= float(bid) <= high + 0.01:
                    self.violations.append(f"{g['adgroup_name']}: bid {bid} outside {low:g}..{high:g}")
        if self.monthly_budget:
            total = sum(float(g["budget"]) for g in live if g.get("budget_mode") == "BUDGET_MODE_DAY")
            cap = self.monthly_budget * POLICY.max_daily_burn_of_monthly
            if total > max(cap, self.start_budget) + 0.01:
                self.violations.append(f"daily budgets {total:.2f} > burn cap {cap:.2f}")

    async def totals(self, first: date, last: date) -> tuple[float, float]:
        """(spend, conversions) of the advertiser over the days, from TikTok's report."""
        rows = await integrated_report(
            self.deps.tiktok,
            self.advertiser_id,
            data_level="AUCTION_ADVERTISER",
            dimensions=["advertiser_id"],
            metrics=["spend", "conversion"],
            start=first,
            end=last,
        )
        spend = sum(r.metrics.get("spend") or 0 for r in rows)
        conversions = sum(r.metrics.get("conversion") or 0 for r in rows)
        return float(spend), float(conversions)

    async def close(self) -> None:
        await self.deps.aclose()
        self.server.stop()
        self.tmp.cleanup()


async def start_run(scenario: Scenario, target_cpa: float) -> Run:
    fresh = scenario.model_copy(deep=True)
    fresh.limits = LimitsSpec.model_validate({"default": {}})
    server = SimulatorServer(fresh, port=0)
    server.start()
    tmp = tempfile.TemporaryDirectory()
    store = Store(f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.db'}")
    await store.migrate()
    cipher = TokenCipher.from_settings(None, "dev", Path(tmp.name))
    token = fresh.access_tokens[0]
    async with store.session() as session:
        for advertiser_id in token.advertiser_ids:
            await save_tokens(
                session,
                cipher,
                advertiser_id=advertiser_id,
                app_id=token.app_id,
                access_token=token.access_token,
            )
    settings = Settings(
        tiktok_base_url=server.base_url,
        tiktok_clock_url=f"{server.base_url}/sim/clock",
        change_log_key=SecretStr("bench"),
        rate_limits=RateLimits(default=UNLIMITED, families={}),
    )
    deps = Dependencies.build(settings, store=store, cipher=cipher)
    return Run(fresh, target_cpa, server, store, deps, tmp)


def days_of(start: datetime, hours: int) -> tuple[date, date]:
    return start.date(), (start + timedelta(hours=hours - 1)).date()
