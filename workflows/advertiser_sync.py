"""``AdvertiserSync``: mirror an advertiser's campaigns, ad groups, ads and creatives.

Reads like the process: account info, then campaigns, ad groups, ads, and finally the
creatives those ads use. Objects go straight from TikTok to the store inside each
activity; only counts come back through history.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import MirrorSync
    from models.workflows import (
        ADVERTISER_SYNC,
        AdvertiserSyncInput,
        AdvertiserSyncResult,
        AdvertiserSyncStatus,
        SyncCounts,
    )
    from workflows.common import ADVERTISER_ID, tiktok_activity, validated_input

STEP_TIMEOUT = timedelta(minutes=10)
T = TypeVar("T")


@workflow.defn(name=ADVERTISER_SYNC)
class AdvertiserSync:
    def __init__(self) -> None:
        self._status: AdvertiserSyncStatus | None = None

    @workflow.run
    async def run(self, inp: AdvertiserSyncInput | dict[str, Any]) -> AdvertiserSyncResult:
        adv = validated_input(AdvertiserSyncInput, inp).advertiser_id
        self._status = AdvertiserSyncStatus(advertiser_id=adv, step="starting")
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(adv)])

        name = await self._step(
            "advertiser info", MirrorSync.sync_advertiser_info, adv, f"Read account {adv}"
        )
        counts: dict[str, SyncCounts] = {}
        for label, step in (
            ("campaigns", MirrorSync.sync_campaigns),
            ("adgroups", MirrorSync.sync_adgroups),
            ("ads", MirrorSync.sync_ads),
        ):
            counts[label] = await self._step(label, step, adv, f"Mirror {label} of advertiser {adv}")
            self._status.counts[label] = counts[label]
        creatives = await self._step(
            "creatives", MirrorSync.sync_creatives, adv, f"Mirror videos and images used by the ads of {adv}"
        )
        counts.update(creatives)
        self._status.counts.update(creatives)
        self._status.step = "done"
        return AdvertiserSyncResult(
            advertiser_id=adv,
            advertiser_name=name,
            campaigns=counts["campaigns"],
            adgroups=counts["adgroups"],
            ads=counts["ads"],
            videos=counts["videos"],
            images=counts["images"],
            finished_at=workflow.now(),
        )

    async def _step(
        self, label: str, activity: Callable[[Any, str], Awaitable[T]], adv: str, summary: str
    ) -> T:
        """Run one activity with the TikTok retry policy, keeping ``status`` current."""
        assert self._status is not None
        self._status.step = label
        workflow.set_current_details(f"Step: {label} of advertiser {adv}")
        result = await tiktok_activity(activity, adv, summary=summary, start_to_close=STEP_TIMEOUT)
        self._status.done_steps.append(label)
        return result

    @workflow.query(name="status")
    def status(self) -> AdvertiserSyncStatus | None:
        """Current step, finished steps and counts so far."""
        return self._status
