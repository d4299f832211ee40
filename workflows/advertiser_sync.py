"""``AdvertiserSync``: mirror an advertiser's campaigns, ad groups, ads and creatives.

Reads like the process: account info, then campaigns, ad groups, ads, and finally the
creatives those ads use. Objects go straight from TikTok to the store inside each
activity; only counts come back through history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import names
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
_CREATIVE_COUNTS: Any = dict[str, SyncCounts]


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
            "advertiser info", names.SYNC_ADVERTISER_INFO, adv, str, f"Read account {adv}"
        )
        counts: dict[str, SyncCounts] = {}
        for label, activity_name in (
            ("campaigns", names.SYNC_CAMPAIGNS),
            ("adgroups", names.SYNC_ADGROUPS),
            ("ads", names.SYNC_ADS),
        ):
            counts[label] = await self._step(
                label, activity_name, adv, SyncCounts, f"Mirror {label} of advertiser {adv}"
            )
            self._status.counts[label] = counts[label]
        creatives: dict[str, SyncCounts] = await self._step(
            "creatives",
            names.SYNC_CREATIVES,
            adv,
            _CREATIVE_COUNTS,
            f"Mirror videos and images used by the ads of {adv}",
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

    async def _step(self, label: str, activity: str, adv: str, result_type: type[T], summary: str) -> T:
        """Run one named activity with the TikTok retry policy, keeping ``status`` current."""
        assert self._status is not None
        self._status.step = label
        result: T = await tiktok_activity(
            activity, adv, result_type, summary=summary, start_to_close=STEP_TIMEOUT
        )
        self._status.done_steps.append(label)
        return result

    @workflow.query(name="status")
    def status(self) -> AdvertiserSyncStatus | None:
        """Current step, finished steps and counts so far."""
        return self._status
