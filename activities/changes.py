"""Writing an activity's :class:`EntityChange` to the change log, tagged with its run."""

from __future__ import annotations

from temporalio import activity

from activities.context import Dependencies
from models.changes import EntityChange
from store.changes import record_change


async def record(deps: Dependencies, advertiser_id: str, change: EntityChange) -> EntityChange:
    """Project ``change`` into the change log (once per key) with this activity's run ids;
    the change comes back with its place in the chain, which history then anchors."""
    return (await record_all(deps, advertiser_id, [change]))[0]


async def record_all(
    deps: Dependencies, advertiser_id: str, changes: list[EntityChange]
) -> list[EntityChange]:
    """``record`` for a batch, in one transaction (the chain is taken once for all of them)."""
    info = activity.info()
    out = []
    async with deps.store.session() as session:
        for change in changes:
            link = await record_change(
                session,
                deps.change_log_key,
                advertiser_id,
                change,
                workflow_id=info.workflow_id,
                run_id=info.workflow_run_id,
            )
            out.append(change.model_copy(update={"chain": link}))
    return out
