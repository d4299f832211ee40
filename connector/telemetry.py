"""Metrics, spans and counters of the connector.

Metrics go through the Temporal runtime's ``MetricMeter`` so that they appear on the
worker's one Prometheus endpoint (:9464) beside the SDK's own metrics; without a runtime
the meter is a no-op. :class:`CallStats` keeps the same numbers in process for the
benchmark and the tests. Each HTTP call gets an OpenTelemetry span.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from opentelemetry import trace
from temporalio.common import MetricMeter

from models import telemetry as names

tracer = trace.get_tracer("tiktok_ads.connector")
LATENCY_SAMPLES = 10_000  # the most recent calls' latencies, for percentiles in process


@dataclass
class CallStats:
    """In-process totals since start (also exported as metrics); latencies of the most recent
    calls only, so that a worker that runs for months holds a bounded window."""

    calls: int = 0
    retries: int = 0
    refreshes: int = 0
    throttle_waits: int = 0
    throttle_wait_seconds: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))


class ConnectorMetrics:
    """Prometheus-exported instruments (``tiktok_*``) plus in-process :class:`CallStats`."""

    def __init__(
        self,
        meter: MetricMeter | None = None,
        *,
        on_high_usage: Callable[[str, str, float], None] | None = None,
        high_usage: float = 0.8,
    ) -> None:
        self.on_high_usage = on_high_usage  # told (family, advertiser, fraction) above ``high_usage``
        self.high_usage = high_usage
        meter = meter or MetricMeter.noop
        self.stats = CallStats()
        self._calls = meter.create_counter(names.TIKTOK_API_CALLS, "TikTok API calls sent", "1")
        self._errors = meter.create_counter(names.TIKTOK_API_ERRORS, "TikTok API errors by class", "1")
        self._retries = meter.create_counter(names.TIKTOK_API_RETRIES, "Calls retried inside the client", "1")
        self._latency = meter.create_histogram_float(names.TIKTOK_API_LATENCY, "Call latency", "s")
        self._throttle_wait = meter.create_histogram_float(
            names.TIKTOK_THROTTLE_WAIT, "Time a call waited in the proactive throttle", "s"
        )
        self._usage = meter.create_gauge_float(
            names.TIKTOK_RATE_LIMIT_USAGE, "Fraction of the tightest rate-limit window in use", "1"
        )
        self._refreshes = meter.create_counter(
            names.TIKTOK_TOKEN_REFRESHES, "Access-token refreshes by outcome (success, failure)", "1"
        )
        self._circuit = meter.create_counter(
            names.TIKTOK_CIRCUIT_OPENED, "Circuits opened: an advertiser's calls failed 5 times in a row", "1"
        )

    def call(self, family: str, seconds: float) -> None:
        self.stats.calls += 1
        self.stats.latencies.append(seconds)
        self._calls.add(1, {"family": family})
        self._latency.record(seconds, {"family": family})

    def error(self, family: str, error_class: str) -> None:
        self.stats.errors[error_class] += 1
        self._errors.add(1, {"family": family, "error_class": error_class})

    def retry(self, family: str) -> None:
        self.stats.retries += 1
        self._retries.add(1, {"family": family})

    def throttled(self, family: str, seconds: float) -> None:
        if seconds > 0:
            self.stats.throttle_waits += 1
            self.stats.throttle_wait_seconds += seconds
        self._throttle_wait.record(seconds, {"family": family})

    def usage(self, family: str, advertiser_id: str, fraction: float, quota: float | None = None) -> None:
        """``fraction``: of the tightest window (the gauge); ``quota``: of the minute-or-longer
        windows, which is what ``on_high_usage`` is told about above ``high_usage``."""
        self._usage.set(fraction, {"family": family, "advertiser_id": advertiser_id})
        quota = fraction if quota is None else quota
        if quota > self.high_usage and self.on_high_usage is not None:
            self.on_high_usage(family, advertiser_id, quota)

    def refreshed(self, outcome: str = "success") -> None:
        if outcome == "success":
            self.stats.refreshes += 1
        self._refreshes.add(1, {"outcome": outcome})

    def circuit_opened(self, advertiser_id: str) -> None:
        self._circuit.add(1, {"advertiser_id": advertiser_id})
