"""``configure(settings)``: the root logger of a process, as text for a terminal or as JSON
lines for a log pipeline (``TTADS_LOG_FORMAT``), masked either way (``connector.redact``).

A JSON line carries ``ts``, ``level``, ``logger``, ``message``, and where known
``advertiser_id``, ``workflow_id``, ``run_id``, ``workflow_type``, ``activity_id``,
``activity_type`` (from the record's Temporal extras, or the running activity), ``trace_id``
(OpenTelemetry's current span) and ``exception``. The standard library's JSON encoder does the
writing: a line is one ``json.dumps`` of a dict, nothing a library would add to.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from temporalio import activity

from connector.redact import RedactingFilter, mask
from settings import Settings

TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_ADVERTISER = re.compile(r"advertiser(?:_id)?[=: ]+(\d{6,})")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = mask(record.getMessage())
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        line.update(_temporal(record))
        advertiser = getattr(record, "advertiser_id", None) or _first(_ADVERTISER, message)
        if advertiser:
            line["advertiser_id"] = str(advertiser)
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            line["trace_id"] = f"{span.trace_id:032x}"
        if record.exc_info:
            line["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(1) if found else None


def _temporal(record: logging.LogRecord) -> dict[str, Any]:
    """Workflow and activity ids: from ``workflow.logger``/``activity.logger`` extras, or from
    the activity this record was logged in."""
    out: dict[str, Any] = {}
    wf = getattr(record, "temporal_workflow", None)
    if isinstance(wf, dict):
        out |= {k: wf[k] for k in ("workflow_id", "run_id", "workflow_type") if k in wf}
    act = getattr(record, "temporal_activity", None)
    if isinstance(act, dict):
        out |= {
            k: act[k] for k in ("activity_id", "activity_type", "workflow_id", "workflow_run_id") if k in act
        }
    elif activity.in_activity():
        info = activity.info()
        out |= {
            "activity_id": info.activity_id,
            "activity_type": info.activity_type,
            "workflow_id": info.workflow_id,
            "workflow_type": info.workflow_type,
        }
    if "workflow_run_id" in out:
        out["run_id"] = out.pop("workflow_run_id")
    return out


def configure(settings: Settings, level: str | None = None) -> None:
    """Replace the root logger's handlers with one masked stderr handler in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or settings.log_level).upper())
