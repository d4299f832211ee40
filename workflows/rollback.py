"""``Rollback``: undo what one run changed on TikTok, newest change first.

1. Read the run's changes from its history (activity ``read_changes``; the run must have
   ended). History is the source: the change log is only checked against it.
2. Restore them in chunks, newest first (activity ``restore``): each object goes back to
   its recorded ``before`` if it still shows the recorded ``after``; otherwise the
   rollback stops with the conflict (unless ``force``), and what is already restored
   stays restored and recorded.
3. ``dry_run`` says what would be restored and changes nothing.

Keys derive from this workflow's id and the undone change's key, so a retried restore, a
restarted worker or a second run under the same id restores nothing twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import RollbackOperations
    from models.rollback import (
        RESTORE_CHUNK,
        RestoreInput,
        RollbackInput,
        RollbackResult,
        RollbackStatus,
        RollbackTarget,
    )
    from models.workflows import ROLLBACK
    from workflows.common import ADVERTISER_ID, tiktok_activity, validated_input

STEP_TIMEOUT = timedelta(minutes=10)
HEARTBEAT_TIMEOUT = timedelta(seconds=45)


@workflow.defn(name=ROLLBACK)
class Rollback:
    def __init__(self) -> None:
        self._status = RollbackStatus(step="starting", target="")

    @workflow.run
    async def run(self, raw: RollbackInput | dict[str, Any]) -> RollbackResult:
        inp = validated_input(RollbackInput, raw)
        self._status.target = inp.workflow_id
        self._step(f"reading the changes of {inp.workflow_id} from its history")
        target = RollbackTarget(workflow_id=inp.workflow_id, run_id=inp.run_id)
        found = await tiktok_activity(
            RollbackOperations.read_changes,
            target,
            summary=f"Read the changes of {inp.workflow_id}",
            start_to_close=STEP_TIMEOUT,
        )
        if found.advertiser_id:
            workflow.upsert_search_attributes([ADVERTISER_ID.value_set(found.advertiser_id)])
        self._status.total = found.count
        result = RollbackResult(outcome="dry_run" if inp.dry_run else "rolled_back", target=inp.workflow_id)
        if found.count == 0:
            self._step("nothing to undo")
            result.outcome = "nothing_to_do"
            return result
        reason = f"rollback of {inp.workflow_id} by {inp.actor}" + (f": {inp.reason}" if inp.reason else "")
        stop = found.count
        while stop > 0:
            start = 0 if inp.dry_run else max(0, stop - RESTORE_CHUNK)  # a dry run plans in one go
            self._step(f"restoring changes {start + 1}-{stop} of {found.count}, newest first")
            step = RestoreInput(
                target=target,
                run_id=found.run_id,
                advertiser_id=found.advertiser_id or "",
                start=start,
                stop=stop,
                key=workflow.info().workflow_id,
                actor=inp.actor,
                reason=reason,
                force=inp.force,
                dry_run=inp.dry_run,
            )
            done = await tiktok_activity(
                RollbackOperations.restore,
                step,
                summary=f"{'Plan' if inp.dry_run else 'Restore'} changes {start + 1}-{stop}",
                start_to_close=STEP_TIMEOUT,
                heartbeat=HEARTBEAT_TIMEOUT,
            )
            result.changes += done.changes
            result.planned += done.planned
            result.skipped += done.skipped
            result.conflicts += done.conflicts
            self._status.done += len(done.changes)
            self._status.conflicts = result.conflicts
            if done.conflicts and not inp.force:
                result.outcome = "conflict"
                break
            stop = start
        result.restored = len(result.changes)
        self._step(
            f"{result.outcome}: {result.restored} restored, {len(result.skipped)} skipped, "
            f"{len(result.conflicts)} conflict(s)"
        )
        return result

    def _step(self, step: str) -> None:
        self._status.step = step
        lines = [f"**{step}** ({self._status.done}/{self._status.total} restored)"]
        lines += [
            f"Conflict: {c.entity_type} {c.entity_id} {c.field} is {c.live}, the run left it {c.recorded}"
            for c in self._status.conflicts
        ]
        workflow.set_current_details("\n".join(lines))

    @workflow.query(name="status")
    def status(self) -> RollbackStatus:
        """What it restores now, how far it is, which conflicts stopped it."""
        return self._status
