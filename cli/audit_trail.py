"""The audit trail rebuilt from Temporal history: who started, who decided, every TikTok
change with before and after, failures. History is the source; the change-log table is a
projection that :func:`compare_with_change_log` checks against it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from models.tables import ChangeLogRow

CHANGE_ACTIVITIES = {"create_campaign", "create_adgroup", "create_ad", "set_status", "upload_creative"}


class AuditEntry(BaseModel):
    at: datetime
    workflow_id: str
    kind: str  # started | decision | signal | change | failure | completed
    actor: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    key: str | None = None
    detail: str = ""


def _values(payloads: Any) -> list[Any]:
    items = list(payloads.payloads) if payloads is not None else []
    return pydantic_data_converter.payload_converter.from_payloads(items) if items else []


def _first(payloads: Any) -> Any:
    values = _values(payloads)
    return values[0] if values else None


def audit_history(history: WorkflowHistory) -> list[AuditEntry]:
    """The audit entries of one workflow run, in history order."""
    wid = history.workflow_id
    scheduled: dict[int, str] = {}
    out: list[AuditEntry] = []

    def add(event: HistoryEvent, kind: str, **kw: Any) -> None:
        out.append(
            AuditEntry(at=event.event_time.ToDatetime().astimezone(), workflow_id=wid, kind=kind, **kw)
        )

    for ev in history.events:
        t = ev.event_type
        if t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            a = ev.workflow_execution_started_event_attributes
            inp = _first(a.input) or {}
            actor = inp.get("requester") if isinstance(inp, dict) else None
            add(
                ev,
                "started",
                actor=actor or a.identity,
                detail=f"{a.workflow_type.name} started by {a.identity}",
            )
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            req = ev.workflow_execution_update_accepted_event_attributes.accepted_request.input
            arg = _first(req.args) or {}
            add(ev, "decision", actor=arg.get("approver"), detail=f"{req.name}" + _reason(arg))
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            sig = ev.workflow_execution_signaled_event_attributes
            arg = _first(sig.input) or {}
            actor = arg.get("approver") if isinstance(arg, dict) else None
            add(ev, "signal", actor=actor, detail=f"signal {sig.signal_name}" + _reason(arg))
        elif t == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[ev.event_id] = ev.activity_task_scheduled_event_attributes.activity_type.name
        elif t == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done = ev.activity_task_completed_event_attributes
            if scheduled.get(done.scheduled_event_id, "") in CHANGE_ACTIVITIES:
                result = _first(done.result)
                if isinstance(result, dict) and "change" in result:  # upload_creative
                    result = [result["change"]] if result["change"] else []
                for change in result if isinstance(result, list) else [result]:
                    add(
                        ev,
                        "change",
                        actor=change["actor"],
                        entity_type=change["entity_type"],
                        entity_id=change["entity_id"],
                        before=change["before"],
                        after=change["after"],
                        key=change["key"],
                        detail=change["reason"],
                    )
        elif t == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            fail = ev.activity_task_failed_event_attributes
            add(ev, "failure", detail=f"{scheduled.get(fail.scheduled_event_id)}: {fail.failure.message}")
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
            add(
                ev,
                "failure",
                detail=f"workflow failed: {ev.workflow_execution_failed_event_attributes.failure.message}",
            )
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            result = _first(ev.workflow_execution_completed_event_attributes.result)
            outcome = result.get("outcome") if isinstance(result, dict) else None
            add(ev, "completed", detail=f"completed{': ' + outcome if outcome else ''}")
    return out


def _reason(arg: Any) -> str:
    return f" ({arg['reason']})" if isinstance(arg, dict) and arg.get("reason") else ""


def compare_with_change_log(entries: list[AuditEntry], rows: list[ChangeLogRow]) -> list[str]:
    """Differences between history's changes and the change-log rows of the same runs."""
    in_history = {e.key: e for e in entries if e.kind == "change" and e.key}
    in_table = {r.idempotency_key: r for r in rows}
    problems = [f"{k}: in history, missing from the change log" for k in in_history.keys() - in_table.keys()]
    problems += [f"{k}: in the change log, not in history" for k in in_table.keys() - in_history.keys()]
    for key in in_history.keys() & in_table.keys():
        e, r = in_history[key], in_table[key]
        if (e.entity_type, e.entity_id, e.before, e.after) != (r.entity_type, r.entity_id, r.before, r.after):
            problems.append(f"{key}: the change log differs from history")
    return sorted(problems)
