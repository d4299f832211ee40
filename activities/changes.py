"""Writing an activity's :class:`EntityChange` to the change log, tagged with its run."""

from __future__ import annotations

from temporalio import activity

from activities.context import Dependencies
from models.changes import EntityChange
from store.changes import record_change


async def record(deps: Dependencies, advertiser_id: str, change: EntityChange) -> EntityChange:
    """Project ``change`` into the change log (once per key) with this activity's run ids;
    the change comes back with its place in the chain, which history then anchors."""
    info = activity.info()
    async with deps.store.session() as session:
        link = await record_change(
            session,
            deps.change_log_key,
            advertiser_id,
            change,
            workflow_id=info.workflow_id,
            run_id=info.workflow_run_id,
        )
    return change.model_copy(update={"chain": link})
