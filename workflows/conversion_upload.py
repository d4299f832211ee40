"""``ConversionUpload``: send server-side conversion events to TikTok's Events API.

Stage the source once (consent checked, events built, identifiers hashed, spooled on the
worker) -> a dry run stops here with the counts -> send in batches of up to 1,000, each
batch once; an event TikTok refuses is split out and reported by its source row -> clean
up. Events never pass through history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import ConversionOperations
    from models.conversions import (
        ConversionResult,
        ConversionSendInput,
        ConversionsSent,
        ConversionStageInput,
        ConversionUploadInput,
    )
    from models.workflows import CONVERSION_UPLOAD
    from workflows.common import ADVERTISER_ID, remove_spool, run_key, tiktok_activity, validated_input

SHORT = timedelta(minutes=5)
LONG = timedelta(hours=6)
HEARTBEAT = timedelta(seconds=30)


@workflow.defn(name=CONVERSION_UPLOAD)
class ConversionUpload:
    def __init__(self) -> None:
        self._phase = "starting"
        self._result: ConversionResult | None = None

    @workflow.query(name="status")
    def status(self) -> dict[str, Any]:
        return {"phase": self._phase, "result": self._result.model_dump() if self._result else None}

    def _enter(self, phase: str) -> None:
        self._phase = phase
        workflow.set_current_details(f"**{phase}**")

    @workflow.run
    async def run(self, inp: ConversionUploadInput | dict[str, Any]) -> ConversionResult:
        upload = validated_input(ConversionUploadInput, inp)
        key = run_key()
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(upload.advertiser_id)])
        try:
            return await self._upload(upload, key)
        finally:
            await remove_spool(key)

    async def _upload(self, upload: ConversionUploadInput, key: str) -> ConversionResult:
        self._enter(f"reading {upload.source.describe()}")
        staged = await tiktok_activity(
            ConversionOperations.stage_conversions,
            ConversionStageInput(upload=upload, run_key=key),
            summary=f"Read, check consent and hash the events of {upload.source.describe()}",
            start_to_close=LONG,
            heartbeat=HEARTBEAT,
        )
        self._result = ConversionResult(
            rows=staged.rows,
            sent=0,
            accepted=0,
            no_consent=staged.no_consent,
            invalid=staged.invalid,
            rejected=0,
            dry_run=upload.dry_run,
            test_event_code=upload.test_event_code,
        )
        if upload.dry_run or staged.ready == 0:
            self._enter("dry run: nothing was sent" if upload.dry_run else "nothing to send")
            return self._result
        self._enter(f"sending {staged.ready} events in {staged.batches} batch(es)")
        sent: ConversionsSent = await tiktok_activity(
            ConversionOperations.send_conversions,
            ConversionSendInput(upload=upload, run_key=key, staged=staged),
            summary=f"Send {staged.ready} events to pixel {upload.pixel_code} in {staged.batches} batch(es)",
            start_to_close=LONG,
            heartbeat=HEARTBEAT,
        )
        self._result = self._result.model_copy(
            update={
                "sent": sent.sent,
                "accepted": sent.accepted,
                "rejected": sent.rejected,
                "errors": sent.errors,
            }
        )
        self._enter("done")
        return self._result
