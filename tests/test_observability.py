"""What SREs get: alert rules and a Grafana dashboard that parse as PromQL and name only
metrics the service and the SDK export, runbooks that exist, and JSON log lines that carry
the activity and workflow they came from with personal data masked."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from models.telemetry import HISTOGRAM_BUCKETS, SDK_METRICS, SERVICE_METRICS
from observability.logs import JsonFormatter

ROOT = Path(__file__).resolve().parents[1]
PROMETHEUS_BUILTINS = {"up"}
KNOWN = (
    set(SERVICE_METRICS)
    | set(SDK_METRICS)
    | PROMETHEUS_BUILTINS
    | {f"{h}_{s}" for h in [*HISTOGRAM_BUCKETS, *SDK_METRICS] for s in ("bucket", "sum", "count")}
)


def metric_names(expr: str) -> set[str]:
    """The metrics ``expr`` selects, read from its syntax tree (raises on a syntax error)."""
    out: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            out.add(node.name)
            return
        for part in ("lhs", "rhs", "expr", "vector_selector", "param"):
            child = getattr(node, part, None)
            if child is not None and not isinstance(child, (int, float, str)):
                walk(child)
        for arg in getattr(node, "args", None) or []:
            walk(arg)

    walk(promql_parser.parse(expr))
    return out


def rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yaml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r["alert"])
def test_each_alert_rule_parses_and_names_exported_metrics(rule: dict[str, Any]) -> None:
    assert metric_names(rule["expr"]) <= KNOWN, metric_names(rule["expr"]) - KNOWN
    assert rule["labels"]["severity"] in ("critical", "warning", "info") and rule["annotations"]["summary"]
    if "runbook" in rule["annotations"]:
        assert (ROOT / rule["annotations"]["runbook"]).is_file()


def test_the_rules_cover_every_slo_and_threshold_of_section_14() -> None:
    by_name = {r["alert"]: r for r in rules()}
    assert sorted(r["labels"]["slo"] for r in by_name.values() if "slo" in r["labels"]) == [
        "1",
        "2",
        "3",
        "4",
    ]
    for name in ("TikTokApiFailingRepeatedly", "TokenRefreshFailed"):
        assert by_name[name]["labels"]["severity"] == "critical"
    for name in ("RateLimitUsageHigh", "WebhookSignatureFailures"):
        assert by_name[name]["labels"]["severity"] == "warning"
    assert "0.8" in by_name["RateLimitUsageHigh"]["expr"]


def test_a_misspelt_metric_or_bad_promql_is_caught() -> None:
    assert metric_names("rate(tiktok_api_cals[5m])") - KNOWN == {"tiktok_api_cals"}
    with pytest.raises(Exception):  # noqa: B017 -- the parser's own error type
        metric_names("sum(rate(tiktok_api_calls[5m])")


def test_the_dashboard_queries_parse_and_name_exported_metrics() -> None:
    board = json.loads((ROOT / "deploy/grafana/tiktok-ads.json").read_text())
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
    assert len(exprs) >= 16
    used = set().union(*(metric_names(e) for e in exprs))
    assert used <= KNOWN, used - KNOWN
    assert {"tiktok_api_latency_bucket", "recovery_mttr_bucket", "optimization_cycle_duration_bucket"} <= used


def test_json_log_lines_carry_the_activity_and_mask_personal_data() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("test.json")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    @activity.defn(name="send_alert")
    async def work() -> None:
        log.warning("mail jane.doe@acme.example or +81 90 1234 5678 (advertiser=7000000000000000001)")

    env = ActivityEnvironment()
    env.info = env.info.__class__(
        **{**env.info.__dict__, "workflow_id": "cycle-1", "activity_type": "send_alert"}
    )
    try:
        import asyncio

        asyncio.run(env.run(work))
    finally:
        log.removeHandler(handler)
    line = json.loads(out.getvalue())
    assert line["level"] == "WARNING" and line["logger"] == "test.json"
    assert line["workflow_id"] == "cycle-1" and line["activity_type"] == "send_alert"
    assert line["advertiser_id"] == "7000000000000000001"
    assert "jane.doe" not in line["message"] and "1234 5678" not in line["message"]
