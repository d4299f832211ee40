"""The activities of ``Rollback``: read what a run changed from its history, and set each
object back to its recorded ``before``, newest change first.

Before touching an object the restore checks that it still shows the run's recorded
``after`` (only the fields the change moved; TikTok's own ``secondary_status`` is not
compared): where it does not, someone changed it since, and the rollback stops there with
the conflict unless forced. An object already back at ``before`` (an earlier attempt of
this restore got there) is counted as restored without another call, so a retried or
restarted restore changes nothing twice. Each restore is a change in its own right, with
before, after, reason, actor and a key derived from the rollback's workflow id.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities import changes
from activities.context import Dependencies
from activities.entities import snapshot
from activities.interfaces import RollbackOperations
from connector import entities
from connector.entities import KINDS, Kind
from models.changes import EntityChange
from models.errors import InvalidInput
from models.rollback import Conflict, Restored, RestoreInput, RollbackInput, RollbackTarget, TargetChanges
from models.workflows import ADVERTISER_ID, ROLLBACK, rollback_id
from store.audit import audit_history
from store.changes import recorded
from temporal_client import fetch_history

RESTORABLE = ("operation_status", "budget", "bid_type", "conversion_bid_price", "bid_price")


class RollbackActivities(RollbackOperations):
    def __init__(self, deps: Dependencies, client: Client) -> None:
        self.deps = deps
        self.client = client

    async def _history_changes(self, target: RollbackTarget, run_id: str) -> list[EntityChange]:
        history = await fetch_history(self.client, target.workflow_id, run_id)
        return [e.change for e in audit_history(history) if e.change is not None]

    @activity.defn
    async def start_rollback(self, inp: RollbackInput) -> str:
        """Start ``Rollback`` of ``inp.workflow_id``; one already running is left to finish."""
        workflow_id = rollback_id(inp.workflow_id)
        try:
            await self.client.start_workflow(
                ROLLBACK,
                inp,
                id=workflow_id,
                task_queue=activity.info().task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                static_summary=inp.summary(),
            )
        except WorkflowAlreadyStartedError:  # it ran before (a retried attempt): done already
            pass
        return workflow_id

    @activity.defn
    async def read_changes(self, target: RollbackTarget) -> TargetChanges:
        """The run to undo (it must have ended), its advertiser and how many changes it made."""
        desc = await self.client.get_workflow_handle(target.workflow_id, run_id=target.run_id).describe()
        if desc.status == WorkflowExecutionStatus.RUNNING:
            raise InvalidInput(
                f"workflow_id: {target.workflow_id} is still running; wait for it to end or cancel it first"
            )
        found = await self._history_changes(target, desc.run_id)
        advertiser = desc.typed_search_attributes.get(ADVERTISER_ID)
        if advertiser is None:
            advertiser = next((c.chain.advertiser_id for c in found if c.chain), None)
        if found and advertiser is None:
            raise InvalidInput(f"workflow_id: cannot tell which advertiser {target.workflow_id} changed")
        return TargetChanges(run_id=desc.run_id, advertiser_id=advertiser, count=len(found))

    @activity.defn
    async def restore(self, inp: RestoreInput) -> Restored:
        """Restore the target's changes ``start`` to ``stop``, newest first; stop at a conflict."""
        found = await self._history_changes(inp.target, inp.run_id)
        adv = inp.advertiser_id
        out = Restored()
        planned: dict[str, dict[str, Any]] = {}  # a dry run's objects as they would be by now
        for change in reversed(found[inp.start : inp.stop]):
            activity.heartbeat({"restoring": change.key})
            await self._restore_one(inp, adv, change, out, planned)
            if out.conflicts and not inp.force:
                break
        return out

    async def _restore_one(
        self,
        inp: RestoreInput,
        adv: str,
        change: EntityChange,
        out: Restored,
        planned: dict[str, dict[str, Any]],
    ) -> None:
        what = f"{change.entity_type} {change.entity_id}"
        kind = KINDS.get(change.entity_type)
        after = change.after or {}
        if kind is None:
            out.skipped.append(f"{what}: uploaded materials stay in the library (TikTok cannot delete them)")
            return
        if after.get("operation_status") == "DELETE":
            out.skipped.append(f"{what}: deleted by this run; TikTok cannot restore deleted objects")
            return
        want = (
            {"operation_status": "DELETE"}
            if change.before is None
            else {
                k: change.before[k]
                for k in RESTORABLE
                if k in change.before and change.before[k] != after.get(k)
            }
        )
        if not want:
            return
        key = f"{inp.key}/{change.key}"
        if not inp.dry_run:
            async with self.deps.store.session() as session:
                done_before = await recorded(session, key)
            if done_before is not None:  # this rollback restored it already (a retry, a restart)
                out.planned.append(f"{what}: restored already")
                out.changes.append(done_before)
                return
        ref = f"{change.entity_type}/{change.entity_id}"
        live = planned.get(ref) or await self._live(kind, adv, change.entity_id)
        if live is None and change.before is None:
            live = {"operation_status": "DELETE"}  # already deleted: an earlier attempt got there
        checked = [k for k in (RESTORABLE if change.before is None else want) if k in after]
        if live is None:
            out.conflicts.append(_conflict(change, "exists", True, False))
            return
        done_already = all(live.get(k) == v for k, v in want.items())
        if not done_already:
            moved = [k for k in checked if live.get(k) != after.get(k)]
            out.conflicts += [_conflict(change, k, after.get(k), live.get(k)) for k in moved]
            if moved and not inp.force:
                return
        line = f"{what}: " + ", ".join(f"{k} {after.get(k)} -> {v}" for k, v in want.items())
        out.planned.append(line)
        if inp.dry_run:
            planned[ref] = {**live, **want}
            return
        if not done_already:
            await self._apply(kind, adv, change.entity_id, want, key)
        restored = EntityChange(
            entity_type=change.entity_type,
            entity_id=change.entity_id,
            before={k: after.get(k) for k in want},
            after=dict(want),
            reason=f"{inp.reason}: undo {change.key} ({change.reason})",
            actor=inp.actor,
            key=key,
        )
        out.changes.append(await changes.record(self.deps, adv, restored))

    async def _live(self, kind: Kind[Any], adv: str, entity_id: str) -> dict[str, Any] | None:
        found = await entities.get_many(self.deps.tiktok, kind, adv, [entity_id])
        return snapshot(found[0]) if found else None

    async def _apply(self, kind: Kind[Any], adv: str, entity_id: str, want: dict[str, Any], key: str) -> None:
        tiktok = self.deps.tiktok
        if "budget" in want and kind.type_name == "adgroup":
            await entities.update_adgroup_budgets(
                tiktok, adv, {entity_id: want["budget"]}, idempotency_key=key
            )
        elif "budget" in want:
            await entities.update_campaign_budget(tiktok, adv, entity_id, want["budget"], idempotency_key=key)
        if "conversion_bid_price" in want or "bid_price" in want or "bid_type" in want:
            await entities.update_adgroup_bid(
                tiktok,
                adv,
                entity_id,
                conversion_bid_price=want.get("conversion_bid_price"),
                bid_price=want.get("bid_price"),
                bid_type=want.get("bid_type"),
                idempotency_key=f"{key}/bid",
            )
        if "operation_status" in want:
            status = want["operation_status"]
            await entities.set_status(tiktok, kind, adv, [entity_id], status, idempotency_key=f"{key}/status")


def _conflict(change: EntityChange, field: str, recorded: object, live: object) -> Conflict:
    return Conflict(
        key=change.key,
        entity_type=change.entity_type,
        entity_id=change.entity_id,
        field=field,
        recorded=recorded,
        live=live,
    )
