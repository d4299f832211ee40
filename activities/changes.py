"""Writing an activity's :class:`EntityChange` to the change log, tagged with its run."""

from __future__ import annotations

from temporalio import activity

from models.launch import EntityChange
from store import Store
from store.changes import Change, record_change


async def record(store: Store, advertiser_id: str, change: EntityChange) -> None:
    """Project ``change`` into the change log (once per key) with this activity's run ids."""
    info = activity.info()
    row = Change(
        advertiser_id=advertiser_id,
        idempotency_key=change.key,
        workflow_id=info.workflow_id,
        run_id=info.workflow_run_id,
        **change.model_dump(exclude={"key"}),
    )
    async with store.session() as session:
        await record_change(session, row)
