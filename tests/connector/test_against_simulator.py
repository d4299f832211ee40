"""The connector against the simulator over a real socket: error classes from real
answers and injected faults, the throttle against the simulator's own limits, and
create-or-get after a timeout that happened after TikTok created the object."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from connector import (
    AuthExpired,
    InvalidRequest,
    PermissionDenied,
    RateLimited,
    TikTokClient,
    Transient,
)
from connector.client import RetrySettings
from connector.entities import ADGROUP, CAMPAIGN, create_or_get, legacy_tagged_name
from connector.limits import FamilyLimit, RateLimits
from connector.management import list_campaigns
from connector.tokens import StaticTokens
from tests.connector.sim import ADV, TOKEN, set_faults, set_limits, stats

ONCE = RetrySettings(max_attempts=1)
FAST = RetrySettings(initial=0.01, maximum=0.05, max_attempts=6)
LIST = {"advertiser_id": ADV}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"kind": "error_code", "code": 40100}, RateLimited),
        ({"kind": "error_code", "code": 50000}, Transient),
        ({"kind": "error_code", "code": 51010}, Transient),
        ({"kind": "error_code", "code": 60001}, Transient),
        ({"kind": "http_error", "http_status": 503}, Transient),
        ({"kind": "timeout", "seconds": 1.5}, Transient),
    ],
)
async def test_injected_faults_are_classified(
    fresh_simulator: Any, rule: dict[str, Any], expected: type
) -> None:
    await set_faults(fresh_simulator.base_url, {**rule, "probability": 1.0, "path": "campaign/get/"})
    async with TikTokClient(fresh_simulator.base_url, timeout=0.5, retry=ONCE) as client:
        with pytest.raises(expected) as info:
            await client.get("campaign/get/", token=TOKEN, params=LIST)
    assert type(info.value) is expected
    if info.value.code is not None:
        assert info.value.code == rule.get("code")
        assert info.value.request_id  # TikTok's request id travels with every error


async def test_transient_faults_are_absorbed_by_retries(fresh_simulator: Any) -> None:
    await set_faults(fresh_simulator.base_url, {"kind": "http_error", "probability": 0.5, "http_status": 502})
    async with TikTokClient(fresh_simulator.base_url, retry=FAST) as client:
        results = [await list_campaigns(client, ADV, token=TOKEN) for _ in range(5)]
    assert all(len(r) == len(results[0]) > 0 for r in results)
    assert client.metrics.stats.retries > 0


async def test_real_api_answers_are_classified(simulator: Any) -> None:
    async with TikTokClient(simulator.base_url, retry=ONCE) as client:
        with pytest.raises(AuthExpired) as bad_token:
            await client.get("campaign/get/", token="nope", params=LIST)
        with pytest.raises(InvalidRequest) as missing:
            await client.post("campaign/create/", token=TOKEN, body={"advertiser_id": ADV})
        with pytest.raises(PermissionDenied):
            await client.get("campaign/get/", token=TOKEN, params={"advertiser_id": "7000000000000000002"})
        with pytest.raises(InvalidRequest) as window:
            await client.get(
                "report/integrated/get/",
                token=TOKEN,
                params={
                    "advertiser_id": ADV,
                    "report_type": "BASIC",
                    "data_level": "AUCTION_CAMPAIGN",
                    "dimensions": ["campaign_id", "stat_time_day"],
                    "metrics": ["spend"],
                    "start_date": "2024-01-01",
                    "end_date": "2024-03-01",
                },
            )
    assert bad_token.value.code in (40104, 40105)
    assert missing.value.code == 40002 and "campaign_name" in missing.value.message
    assert window.value.code == 40067


async def _burst(client: TikTokClient, callers: int, calls: int) -> list[Any]:
    async def caller() -> list[Any]:
        return [await client.get("campaign/get/", token=TOKEN, params=LIST) for _ in range(calls)]

    return await asyncio.gather(*(caller() for _ in range(callers)), return_exceptions=True)


async def test_throttle_stays_under_the_simulators_limit(fresh_simulator: Any) -> None:
    """8 concurrent callers, 48 calls, limit 20/s: no 40100 with the throttle, some without."""
    base = fresh_simulator.base_url
    await set_limits(base, advertiser_qps=20, advertiser_qpm=1200)
    limits = RateLimits(
        default=FamilyLimit(advertiser_qps=20, advertiser_qpm=1200, app_qps=None, app_qpm=None)
    )

    async with TikTokClient(base, retry=ONCE, limits=limits) as client:
        started = time.perf_counter()
        outcomes = await _burst(client, callers=8, calls=6)
        elapsed = time.perf_counter() - started
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert errors == []
    assert (await stats(base))["throttled_total"] == 0
    assert elapsed >= 48 / 20 - 1.0  # it really was held to the limit

    # The same load without the throttle is refused by the simulator: the test can fail.
    async with TikTokClient(base, retry=ONCE) as bare:
        outcomes = await _burst(bare, callers=8, calls=6)
    assert any(isinstance(o, RateLimited) for o in outcomes)


async def test_create_or_get_after_a_lost_answer_creates_once(fresh_simulator: Any) -> None:
    """The simulator creates the campaign, then holds the answer past the client's timeout:
    the retry finds it by its name (not foreign), and names stay exactly as given."""
    base = fresh_simulator.base_url
    await set_faults(
        base,
        {"kind": "delay_after_mutation", "seconds": 2.0, "path": "campaign/create/", "max_count": 1},
    )
    body = {
        "campaign_name": "Spring sale",
        "objective_type": "TRAFFIC",
        "budget_mode": "BUDGET_MODE_DAY",
        "budget": 100,
    }
    key = "launch-42/create-campaign"
    async with TikTokClient(base, timeout=0.7, retry=FAST, tokens=StaticTokens({ADV: TOKEN})) as client:
        first = await create_or_get(client, CAMPAIGN, ADV, {**body}, idempotency_key=key)
        mine = first.entity.campaign_id
        again = await create_or_get(client, CAMPAIGN, ADV, {**body}, idempotency_key=key, known_id=mine)
        with pytest.raises(InvalidRequest, match="already exists"):  # another launch, same name
            await create_or_get(
                client, CAMPAIGN, ADV, {**body}, idempotency_key="launch-43/x", foreign_ids=[mine]
            )
        named = [
            c for c in await list_campaigns(client, ADV, token=TOKEN) if "Spring sale" in c.campaign_name
        ]
    assert first.created is False  # the lost answer: found by name, not created twice
    assert again.created is False and again.entity.campaign_id == mine
    assert [c.campaign_name for c in named] == ["Spring sale"]
    assert (await stats(base))["faults_total"] == 1


async def test_an_object_created_before_the_first_attempt_is_never_adopted(fresh_simulator: Any) -> None:
    """An ad group of the same name that existed before (foreign) is not taken for ours; one
    carrying this key's legacy tag (an earlier version's create) is."""
    base = fresh_simulator.base_url
    patient = RetrySettings(initial=0.3, maximum=1.0, max_attempts=10, max_inline_wait=2.0)
    async with TikTokClient(base, retry=patient, tokens=StaticTokens({ADV: TOKEN})) as client:
        campaign = await create_or_get(
            client,
            CAMPAIGN,
            ADV,
            {
                "campaign_name": "Adopt test",
                "objective_type": "TRAFFIC",
                "budget_mode": "BUDGET_MODE_INFINITE",
            },
            idempotency_key="k/campaign",
        )
        cid = campaign.entity.campaign_id
        group = {
            "campaign_id": cid,
            "adgroup_name": "Broad",
            "placement_type": "PLACEMENT_TYPE_AUTOMATIC",
            "location_ids": ["6252001"],
            "budget_mode": "BUDGET_MODE_DAY",
            "budget": 50,
            "schedule_type": "SCHEDULE_FROM_NOW",
            "optimization_goal": "CLICK",
            "billing_event": "CPC",
            "bid_type": "BID_TYPE_NO_BID",
        }
        someone_elses = await create_or_get(client, ADGROUP, ADV, dict(group), idempotency_key="manual")
        other_id = someone_elses.entity.adgroup_id
        ours = await create_or_get(
            client, ADGROUP, ADV, dict(group), idempotency_key="k/ag/0", foreign_ids=[other_id]
        )
        legacy_body = {**group, "adgroup_name": legacy_tagged_name("Tagged", "k/ag/1")}
        legacy = await create_or_get(client, ADGROUP, ADV, legacy_body, idempotency_key="old-run")
        found = await create_or_get(
            client, ADGROUP, ADV, {**group, "adgroup_name": "Tagged"}, idempotency_key="k/ag/1"
        )
    assert ours.created and ours.entity.adgroup_id != other_id
    assert not found.created and found.entity.adgroup_id == legacy.entity.adgroup_id


async def test_open_circuit_fails_fast_then_a_probe_closes_it(fresh_simulator: Any) -> None:
    from connector.breaker import CircuitBreaker, CircuitOpen, State

    await set_faults(fresh_simulator.base_url, {"kind": "http_error", "http_status": 503, "max_count": 2})
    breaker = CircuitBreaker(threshold=2, cooldown=0.3)
    short = RetrySettings(initial=0.01, maximum=0.02, max_attempts=2, max_inline_wait=0.1)
    async with TikTokClient(fresh_simulator.base_url, breaker=breaker, retry=short) as client:
        with pytest.raises(Transient):  # two 503s: the circuit opens
            await client.get("campaign/get/", token=TOKEN, params=LIST)
        assert breaker.state(ADV) is State.OPEN
        before = (await stats(fresh_simulator.base_url))["requests_total"]
        with pytest.raises(CircuitOpen) as fast:  # nothing is sent while it is open
            await client.get("campaign/get/", token=TOKEN, params=LIST)
        assert (await stats(fresh_simulator.base_url))["requests_total"] == before
        assert 0 < (fast.value.retry_after or 0) <= 0.3
    patient = RetrySettings(initial=0.01, maximum=0.02, max_attempts=4, max_inline_wait=1.0)
    async with TikTokClient(fresh_simulator.base_url, breaker=breaker, retry=patient) as client:
        data = await client.get("campaign/get/", token=TOKEN, params=LIST)  # waits out the cool-down, probes
    assert data["list"] and breaker.state(ADV) is State.CLOSED


@pytest.mark.parametrize(
    ("probe_fault", "probe_error"),
    [
        ({"kind": "error_code", "code": 40100}, RateLimited),
        ({"kind": "error_code", "code": 40002}, InvalidRequest),
        ({"kind": "error_code", "code": 40105}, AuthExpired),
        ({"kind": "latency", "latency_ms": 3000}, asyncio.CancelledError),
    ],
    ids=["rate-limit", "parameter-error", "auth-error", "cancelled"],
)
async def test_any_outcome_of_the_probe_settles_the_circuit(
    fresh_simulator: Any, probe_fault: dict[str, Any], probe_error: type[BaseException]
) -> None:
    """A half-open circuit whose probe ends in anything but a transient failure must let the
    next call through; it used to stay half-open for the life of the process."""
    from connector.breaker import CircuitBreaker, State

    base = fresh_simulator.base_url
    await set_faults(base, {"kind": "http_error", "http_status": 503, "max_count": 1})
    breaker = CircuitBreaker(threshold=1, cooldown=0.2)
    async with TikTokClient(base, breaker=breaker, retry=ONCE) as client:
        with pytest.raises(Transient):
            await client.get("campaign/get/", token=TOKEN, params=LIST)
        assert breaker.state(ADV) is State.OPEN
        await asyncio.sleep(0.25)
        await set_faults(base, {**probe_fault, "path": "campaign/get/", "max_count": 1})
        probe = asyncio.create_task(client.get("campaign/get/", token=TOKEN, params=LIST))
        if probe_error is asyncio.CancelledError:
            await asyncio.sleep(0.3)
            probe.cancel()
        with pytest.raises(probe_error):
            await probe
        assert breaker.state(ADV) is not State.OPEN
        data = await client.get("campaign/get/", token=TOKEN, params=LIST)  # not CircuitOpen
    assert data["list"] and breaker.state(ADV) is State.CLOSED


async def test_default_limits_keep_several_advertisers_inside_one_apps_quota() -> None:
    """Two advertisers of one app at full speed: with the default configuration (TikTok's
    Basic tier, 10 calls/s per app) the simulator never refuses; per-advertiser limits
    alone would send 20/s."""
    from simulator import SimulatorServer
    from simulator.scenario import Scenario

    advertisers = ["7300000000000000001", "7300000000000000002"]
    scenario = Scenario.model_validate(
        {
            "name": "one-app-two-advertisers",
            "apps": [{"app_id": "demo-app", "secret": "demo-secret"}],
            "advertisers": [{"advertiser_id": a, "name": a} for a in advertisers],
            "access_tokens": [{"access_token": "t", "app_id": "demo-app", "advertiser_ids": advertisers}],
            "limits": {
                "default": {"advertiser_qps": 10, "advertiser_qpm": 600, "app_qps": 10, "app_qpm": 600}
            },
        }
    )
    with SimulatorServer(scenario=scenario, port=0) as sim:
        tokens = StaticTokens(dict.fromkeys(advertisers, "t"))
        async with TikTokClient(sim.base_url, retry=ONCE, limits=RateLimits(), tokens=tokens) as client:

            async def caller(adv: str) -> None:
                for _ in range(8):
                    await client.get("campaign/get/", params={"advertiser_id": adv})

            outcomes = await asyncio.gather(*(caller(a) for a in advertisers * 2), return_exceptions=True)
        refused = (await stats(sim.base_url))["throttled_total"]
    assert [o for o in outcomes if isinstance(o, BaseException)] == [] and refused == 0
