"""Envelope parsing and error classification.

Real TikTok answers come from the simulator in test_against_simulator.py; respx is used
here only for transport edge cases the simulator cannot produce (a 502 page from a proxy,
a connection reset)."""

from __future__ import annotations

import httpx
import pytest
import respx

from connector import (
    AuthExpired,
    InvalidRequest,
    PermissionDenied,
    RateLimited,
    TikTokClient,
    Transient,
    UnknownApiError,
)
from connector.client import RetrySettings
from connector.envelope import encode_params
from connector.errors import classify_code

BASE = "http://tiktok.test"
NO_RETRY = RetrySettings(max_attempts=1)
FAST = RetrySettings(initial=0.001, maximum=0.01, max_attempts=4)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (40100, RateLimited),
        (40104, AuthExpired),
        (40105, AuthExpired),
        (40002, InvalidRequest),
        (40067, InvalidRequest),
        (40001, PermissionDenied),
        (50000, Transient),
        (51010, Transient),
        (60001, Transient),
        (49999, UnknownApiError),
    ],
)
def test_codes_map_to_one_class(code: int, cls: type) -> None:
    assert classify_code(code) is cls


def test_application_error_carries_type_and_retryability() -> None:
    err = RateLimited("Too many requests", code=40100, request_id="r1", retry_after=3)
    assert (err.type, err.non_retryable) == ("RateLimited", False)
    assert err.next_retry_delay is not None and err.next_retry_delay.total_seconds() == 3
    err.retry_after = 20  # the client raises a wait it learned after construction
    assert err.next_retry_delay.total_seconds() == 20
    perm = InvalidRequest("bad budget", code=40002, request_id="r2")
    assert (perm.type, perm.non_retryable) == ("InvalidRequest", True)
    assert "request_id=r2" in perm.message and perm.details[0]["code"] == 40002


def test_lists_and_objects_are_json_encoded() -> None:
    assert encode_params({"a": ["1", "2"], "f": {"x": 1}, "n": None, "b": True, "p": 2}) == {
        "a": '["1","2"]',
        "f": '{"x":1}',
        "b": "true",
        "p": "2",
    }


@respx.mock
async def test_proxy_error_page_without_envelope_is_transient() -> None:
    respx.get(f"{BASE}/open_api/v1.3/campaign/get/").mock(
        return_value=httpx.Response(502, text="<html>Bad Gateway</html>")
    )
    async with TikTokClient(BASE, retry=NO_RETRY) as client:
        with pytest.raises(Transient) as info:
            await client.get("campaign/get/", token="t", params={})
    assert info.value.http_status == 502


@respx.mock
async def test_http_429_with_retry_after_is_rate_limited() -> None:
    respx.get(f"{BASE}/open_api/v1.3/campaign/get/").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "7"}, text="slow down")
    )
    async with TikTokClient(BASE, retry=NO_RETRY) as client:
        with pytest.raises(RateLimited) as info:
            await client.get("campaign/get/", token="t", params={})
    assert info.value.retry_after == 7


@respx.mock
async def test_a_write_that_may_have_been_applied_is_not_retried() -> None:
    """A reset after sending is ambiguous for a create: raised to create-or-get, not resent."""
    route = respx.post(f"{BASE}/open_api/v1.3/campaign/create/").mock(side_effect=httpx.ReadError("reset"))
    async with TikTokClient(BASE, retry=FAST) as client:
        with pytest.raises(Transient, match="connection error") as info:
            await client.post("campaign/create/", token="t", body={}, idempotency_key="wf/1")
    assert info.value.sent and route.call_count == 1


@respx.mock
async def test_a_write_that_never_left_is_retried() -> None:
    ok = httpx.Response(
        200, json={"code": 0, "message": "OK", "request_id": "r", "data": {"campaign_id": "1"}}
    )
    route = respx.post(f"{BASE}/open_api/v1.3/campaign/create/").mock(
        side_effect=[httpx.ConnectError("refused"), ok]
    )
    async with TikTokClient(BASE, retry=FAST) as client:
        data = await client.post("campaign/create/", token="t", body={}, idempotency_key="wf/1")
    assert data == {"campaign_id": "1"} and route.call_count == 2


@respx.mock
async def test_reads_retry_transient_errors_then_hand_long_waits_to_temporal() -> None:
    route = respx.get(f"{BASE}/open_api/v1.3/campaign/get/").mock(return_value=httpx.Response(503))
    async with TikTokClient(BASE, retry=FAST) as client:
        with pytest.raises(Transient) as info:
            await client.get("campaign/get/", token="t", params={})
    assert route.call_count == 4  # max_attempts
    assert client.metrics.stats.retries == 3
    assert info.value.retry_after is not None  # Temporal's next_retry_delay picks up from here
