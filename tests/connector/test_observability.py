"""What the connector tells operators: masked logs, one span per HTTP call, metrics."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from connector import TikTokClient
from connector.client import RetrySettings
from connector.redact import RedactingFilter, mask
from connector.tokens import StaticTokens
from tests.connector.sim import ADV, TOKEN, set_faults


def test_mask_hides_tokens_emails_and_phones() -> None:
    line = (
        "refresh failed for jane.doe@example.com phone +81 90-1234-5678 "
        'access_token=abc123secret {"refresh_token": "r-xyz"} secret: s3cr3t'
    )
    masked = mask(line)
    for secret in ("jane.doe", "1234-5678", "abc123secret", "r-xyz", "s3cr3t"):
        assert secret not in masked
    assert "j***@example.com" in masked and "+8***78" in masked


def test_dates_are_not_taken_for_phone_numbers() -> None:
    masked = mask("Pulled reports (2024-12-31, 2024-01-01 10:00); call 090-1234-5678")
    assert "2024-12-31" in masked and "2024-01-01 10:00" in masked and "1234-5678" not in masked


def test_ids_are_not_taken_for_phone_numbers() -> None:
    """Run ids (UUIDs), workflow ids, TikTok request ids and 19-digit advertiser ids stay
    readable in logs; a phone written in the middle of them is still masked."""
    line = (
        "run 0198c3b2-3456-7890-9d1b-2c3e4f5a6b7c of launch-q4-123456 for advertiser "
        "7000000000000000001 request_id=20261201165513594C0FF167EE4F9991; call 090-1234-5678"
    )
    masked = mask(line)
    for kept in (
        "0198c3b2-3456-7890-9d1b-2c3e4f5a6b7c",
        "launch-q4-123456",
        "7000000000000000001",
        "594C0FF",
    ):
        assert kept in masked
    assert "1234-5678" not in masked and "0***78" in masked


def test_long_running_process_keeps_a_bounded_latency_window() -> None:
    from connector.telemetry import ConnectorMetrics

    metrics = ConnectorMetrics()
    for i in range(50_000):
        metrics.call("management", i / 1000)
    assert metrics.stats.calls == 50_000
    assert len(metrics.stats.latencies) < 50_000 and metrics.stats.latencies[-1] == 49.999


def test_filter_masks_formatted_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("user %s called with Access-Token: %s", "bob@example.org", "tok-123456")
    assert "bob@example.org" not in caplog.text and "tok-123456" not in caplog.text


_exporter = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def _tracing() -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_exporter))
    trace.set_tracer_provider(provider)


async def test_one_span_per_http_call_with_family_code_and_attempts(fresh_simulator: Any) -> None:
    await set_faults(fresh_simulator.base_url, {"kind": "error_code", "code": 50000, "max_count": 1})
    _exporter.clear()
    async with TikTokClient(
        fresh_simulator.base_url,
        tokens=StaticTokens({ADV: TOKEN}),
        retry=RetrySettings(initial=0.01, maximum=0.02, max_attempts=3),
    ) as client:
        await client.get("campaign/get/", params={"advertiser_id": ADV})
    spans = [s for s in _exporter.get_finished_spans() if s.name == "tiktok GET campaign/get/"]
    assert len(spans) == 2  # the 50000 answer, then the retry that succeeded
    failed, ok = spans
    assert failed.attributes is not None and ok.attributes is not None
    assert (
        failed.attributes["tiktok.code"] == 50000 and failed.attributes["tiktok.error_class"] == "Transient"
    )
    assert ok.attributes["tiktok.code"] == 0 and ok.attributes["tiktok.family"] == "management"
    assert ok.attributes["tiktok.advertiser_id"] == ADV
    assert (failed.attributes["tiktok.attempt"], ok.attributes["tiktok.attempt"]) == (1, 2)
    assert client.metrics.stats.errors["Transient"] == 1 and client.metrics.stats.retries == 1
