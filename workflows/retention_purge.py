"""``RetentionPurge``: delete personal data older than the retention period (13 months by
default, section 16). Started daily by the ``privacy-retention`` schedule the worker keeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import PrivacyOperations
    from models.privacy import Purged, RetentionPurgeInput
    from models.workflows import RETENTION_PURGE
    from workflows.common import tiktok_activity, validated_input


@workflow.defn(name=RETENTION_PURGE)
class RetentionPurge:
    @workflow.run
    async def run(self, inp: RetentionPurgeInput | dict[str, Any]) -> Purged:
        purge = validated_input(RetentionPurgeInput, inp)
        purged = await tiktok_activity(
            PrivacyOperations.purge_expired,
            purge,
            summary=f"Delete leads, webhook events and alerts older than {purge.retention_days} days",
            start_to_close=timedelta(minutes=30),
        )
        workflow.set_current_details(f"purged: {purged.model_dump()}")
        return purged
