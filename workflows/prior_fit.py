"""``PriorFit``: once a day per advertiser (schedule ``fit-priors-<advertiser>``), fit the
hierarchical model advertiser -> campaign -> ad group and store the priors the
optimization cycles start from. A cycle reads the latest fit and never waits for one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import PriorOperations
    from models.priors import PriorFitInput, PriorFitResult
    from models.workflows import PRIOR_FIT
    from workflows.common import ADVERTISER_ID, tiktok_activity, validated_input

FIT_TIMEOUT = timedelta(minutes=30)
HEARTBEAT_TIMEOUT = timedelta(minutes=2)


@workflow.defn(name=PRIOR_FIT)
class PriorFit:
    def __init__(self) -> None:
        self._step = "starting"

    @workflow.run
    async def run(self, raw: PriorFitInput | dict[str, Any]) -> PriorFitResult:
        inp = validated_input(PriorFitInput, raw)
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(inp.advertiser_id)])
        self._set(f"fitting the priors of {inp.advertiser_id} on {inp.days} days of reports")
        result = await tiktok_activity(
            PriorOperations.fit_priors,
            inp,
            summary=f"Fit advertiser -> campaign -> ad group priors ({inp.days} days)",
            start_to_close=FIT_TIMEOUT,
            heartbeat=HEARTBEAT_TIMEOUT,
        )
        self._set(f"{result.outcome}: {result.summary or result.reason}")
        return result

    def _set(self, step: str) -> None:
        self._step = step
        workflow.set_current_details(step)

    @workflow.query(name="status")
    def status(self) -> str:
        return self._step
