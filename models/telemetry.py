"""The service's metric names, as Prometheus shows them, and the histogram buckets they need.

Every process serves its metrics through the Temporal runtime's Prometheus exporter (worker
:9464, receiver :9465); the SDK's own ``temporal_*`` metrics sit beside these. The alert
rules and the Grafana dashboard in deploy/ name only what is listed here (checked in CI).
"""

from __future__ import annotations

# TikTok calls (connector.telemetry), labels: family, error_class, advertiser_id, outcome
TIKTOK_API_CALLS = "tiktok_api_calls"
TIKTOK_API_ERRORS = "tiktok_api_errors"
TIKTOK_API_RETRIES = "tiktok_api_retries"
TIKTOK_API_LATENCY = "tiktok_api_latency"  # seconds
TIKTOK_THROTTLE_WAIT = "tiktok_throttle_wait"  # seconds
TIKTOK_RATE_LIMIT_USAGE = "tiktok_rate_limit_usage"  # fraction of the tightest window
TIKTOK_TOKEN_REFRESHES = "tiktok_token_refreshes"  # outcome: success | failure
TIKTOK_CIRCUIT_OPENED = "tiktok_circuit_opened"  # 5 failures in a row for an advertiser
# Workflows and activities
CYCLE_DURATION = "optimization_cycle_duration"  # seconds, start to end of a cycle
RECOVERY_MTTR = "recovery_mttr"  # seconds from rejection to delivery restored
ALERTS_SENT = "alerts_sent"  # level, kind
REPORT_DATA_LAG = "report_data_lag"  # seconds between TikTok's now and the window a cycle decides on
# Webhook receiver
WEBHOOK_DELIVERIES = "webhook_deliveries"  # outcome: accepted, duplicate, bad_signature, ...

SERVICE_METRICS = (
    TIKTOK_API_CALLS, TIKTOK_API_ERRORS, TIKTOK_API_RETRIES, TIKTOK_API_LATENCY, TIKTOK_THROTTLE_WAIT,
    TIKTOK_RATE_LIMIT_USAGE, TIKTOK_TOKEN_REFRESHES, TIKTOK_CIRCUIT_OPENED, CYCLE_DURATION, RECOVERY_MTTR,
    ALERTS_SENT, REPORT_DATA_LAG, WEBHOOK_DELIVERIES,
)  # fmt: skip

# The SDK's metrics the rules and the dashboard use (their names as the Python SDK exports them).
SDK_METRICS = (
    "temporal_workflow_completed",
    "temporal_workflow_failed",
    "temporal_activity_execution_failed",
    "temporal_activity_schedule_to_start_latency",
    "temporal_workflow_task_schedule_to_start_latency",
    "temporal_workflow_task_execution_failed",
)

# Seconds; the exporter's default buckets are milliseconds-sized and would put every call in one.
HISTOGRAM_BUCKETS: dict[str, list[float]] = {
    TIKTOK_API_LATENCY: [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0],
    TIKTOK_THROTTLE_WAIT: [0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0],
    CYCLE_DURATION: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    RECOVERY_MTTR: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400],
}
