"""The audit trail, rebuilt from Temporal history: who started, who decided, every change
made on TikTok with before and after, failures; and the check that the change log (the
history's projection in the store) still says the same.

Changes are found by their shape (:class:`models.changes.EntityChange`) in any activity's
result, whatever the activity is called, so that every workflow that changes TikTok
objects (launch, optimization, recovery, rollback) is audited without a list to keep up.
The CLI, the dashboard and rollback read history through this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from models.changes import EntityChange, changes_in
from models.tables import ChangeLogRow

EntryKind = Literal["started", "decision", "signal", "change", "failure", "completed"]


class AuditEntry(BaseModel):
    """One line of the trail; ``change`` is set on entries of kind ``change``."""

    at: datetime
    workflow_id: str
    kind: EntryKind
    actor: str | None = None
    detail: str = ""
    change: EntityChange | None = None


def _values(payloads: Payloads | None) -> list[Any]:
    items = list(payloads.payloads) if payloads is not None else []
    return pydantic_data_converter.payload_converter.from_payloads(items) if items else []


def _first(payloads: Payloads | None) -> Any:
    values = _values(payloads)
    return values[0] if values else None


def _message(failure: Failure) -> str:
    """The failure's message; an encrypted failure keeps it in its (decoded) encoded attributes."""
    if failure.HasField("encoded_attributes"):
        attributes = _first(Payloads(payloads=[failure.encoded_attributes]))
        if isinstance(attributes, dict) and attributes.get("message"):
            return str(attributes["message"])
    return failure.message


def _reason(arg: Any) -> str:
    return f" ({arg['reason']})" if isinstance(arg, dict) and arg.get("reason") else ""


def audit_history(history: WorkflowHistory) -> list[AuditEntry]:
    """The audit entries of one workflow run, in history order."""
    wid = history.workflow_id
    scheduled: dict[int, str] = {}
    out: list[AuditEntry] = []

    def add(event: HistoryEvent, kind: EntryKind, **kw: Any) -> None:
        at = event.event_time.ToDatetime().astimezone()
        out.append(AuditEntry(at=at, workflow_id=wid, kind=kind, **kw))

    for ev in history.events:
        t = ev.event_type
        if t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            a = ev.workflow_execution_started_event_attributes
            inp = _first(a.input)
            actor = inp.get("requester") if isinstance(inp, dict) else None
            detail = f"{a.workflow_type.name} started by {a.identity}"
            add(ev, "started", actor=actor or a.identity, detail=detail)
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            req = ev.workflow_execution_update_accepted_event_attributes.accepted_request.input
            arg = _first(req.args) or {}
            add(ev, "decision", actor=arg.get("approver"), detail=req.name + _reason(arg))
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            sig = ev.workflow_execution_signaled_event_attributes
            arg = _first(sig.input) or {}
            actor = arg.get("approver") if isinstance(arg, dict) else None
            add(ev, "signal", actor=actor, detail=f"signal {sig.signal_name}" + _reason(arg))
        elif t == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[ev.event_id] = ev.activity_task_scheduled_event_attributes.activity_type.name
        elif t == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            for raw in changes_in(_first(ev.activity_task_completed_event_attributes.result)):
                change = EntityChange.model_validate(raw)
                add(ev, "change", actor=change.actor, detail=change.reason, change=change)
        elif t == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            fail = ev.activity_task_failed_event_attributes
            add(ev, "failure", detail=f"{scheduled.get(fail.scheduled_event_id)}: {_message(fail.failure)}")
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
            message = _message(ev.workflow_execution_failed_event_attributes.failure)
            add(ev, "failure", detail=f"workflow failed: {message}")
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            result = _first(ev.workflow_execution_completed_event_attributes.result)
            outcome = result.get("outcome") if isinstance(result, dict) else None
            add(ev, "completed", detail=f"completed{': ' + outcome if outcome else ''}")
    return out


def _recorded(change: EntityChange) -> tuple[Any, ...]:
    return (change.entity_type, change.entity_id, change.before, change.after, change.reason, change.actor)


def _stored(row: ChangeLogRow) -> tuple[Any, ...]:
    return (row.entity_type, row.entity_id, row.before, row.after, row.reason, row.actor)


def compare_with_change_log(entries: Iterable[AuditEntry], rows: Sequence[ChangeLogRow]) -> list[str]:
    """Differences between history's changes and the change-log rows of the same runs:
    missing or extra rows, other content (before, after, reason, actor), other chain place."""
    in_history = {e.change.key: e.change for e in entries if e.change is not None}
    in_table = {r.idempotency_key: r for r in rows}
    problems = [f"{k}: in history, missing from the change log" for k in in_history.keys() - in_table.keys()]
    problems += [f"{k}: in the change log, not in history" for k in in_table.keys() - in_history.keys()]
    for key in in_history.keys() & in_table.keys():
        change, row = in_history[key], in_table[key]
        if _recorded(change) != _stored(row):
            problems.append(f"{key}: the change log differs from history")
        elif change.chain is not None and (change.chain.seq, change.chain.row_hash) != (
            row.seq,
            row.row_hash,
        ):
            problems.append(f"{key}: the change-log row was re-written (its chain place or hash moved)")
    return sorted(problems)


def anchored_lengths(entries: Iterable[AuditEntry]) -> dict[str, int]:
    """Per advertiser, the furthest place in its chain that history saw recorded."""
    out: dict[str, int] = {}
    for e in entries:
        link = e.change.chain if e.change is not None else None
        if link is not None:
            out[link.advertiser_id] = max(out.get(link.advertiser_id, 0), link.seq)
    return out


def truncations(anchors: dict[str, int], chain_lengths: dict[str, int]) -> list[str]:
    """Chains shorter than history says they were: their newest rows were deleted."""
    return [
        f"advertiser {adv}'s change log ends at row {chain_lengths.get(adv, 0)}, but history recorded "
        f"row {seq}: the newest rows were deleted"
        for adv, seq in sorted(anchors.items())
        if chain_lengths.get(adv, 0) < seq
    ]
