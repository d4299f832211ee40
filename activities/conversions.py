"""``ConversionUpload``'s activities: stage the events into the spool, then send them.

Each batch TikTok acknowledges is recorded under the run's key (with its counts) before the
next is sent, and sent with an idempotency key of the run and batch, so an attempt after a
crash sends only what was not acknowledged.
"""

from __future__ import annotations

import json
import time
from itertools import islice
from pathlib import Path
from typing import Any

from temporalio import activity

from activities.audiences import AudienceActivities
from activities.interfaces import ConversionOperations
from audiences.source import RowSource
from connector.heartbeat import beating
from conversions.sending import send_batch
from conversions.staging import EVENTS_FILE, ConversionsRefused, load_staged, stage
from models.conversions import ConversionSendInput, ConversionsSent, ConversionsStaged, ConversionStageInput
from models.errors import AudienceRefused

MAX_ERRORS = 100


class ConversionActivities(AudienceActivities, ConversionOperations):
    """Shares the audience activities' client, spool and progress records."""

    @activity.defn
    async def stage_conversions(self, inp: ConversionStageInput) -> ConversionsStaged:
        upload = inp.upload
        state = {"rows_read": 0}
        try:
            async with beating(lambda: dict(state)):
                staged = await stage(
                    upload,
                    RowSource(upload.source, self.deps.store.engine),
                    self.folder(inp.run_key),
                    inp.run_key,
                    now=inp.now or int(time.time()),  # TikTok judges an event's age by its clock
                    batch_size=self.settings.conversion_batch,
                )
        except ConversionsRefused as exc:
            raise AudienceRefused(str(exc)) from None
        bad = staged.first_invalid
        if bad is not None and not upload.skip_invalid_record:
            raise AudienceRefused(
                f"row {bad.row}: {bad.reason} (skip_invalid_record is false: nothing was sent)"
            )
        return staged

    @activity.defn
    async def send_conversions(self, inp: ConversionSendInput) -> ConversionsSent:
        upload, key = inp.upload, inp.run_key
        folder = self.folder(key)
        if load_staged(folder) is None:  # another worker staged it: stage again, the same way
            await self.stage_conversions(ConversionStageInput(upload=upload, run_key=key, now=inp.staged.now))
        client = self.client(False)
        done = await self._acked(key, "events")
        result = ConversionsSent(batches_skipped=len(done))
        for value in done.values():
            sent, accepted, rejected = (int(x) for x in value.split(","))
            result.sent, result.accepted, result.rejected = (
                result.sent + sent, result.accepted + accepted, result.rejected + rejected
            )  # fmt: skip
        base: dict[str, Any] = {"event_source": upload.event_source, "event_source_id": upload.pixel_code}
        if upload.test_event_code:
            base["test_event_code"] = upload.test_event_code
        async with beating(lambda: result.model_dump(exclude={"errors"})):
            for index, batch in enumerate(_batches(folder / EVENTS_FILE, inp.staged.batch_size)):
                if index in done:
                    continue

                async def post(events: list[dict[str, Any]], index: int = index) -> dict[str, Any]:
                    body = {**base, "data": [_limited(e, upload.limited_data_use) for e in events]}
                    attempt = f"{key}/events/{index}/{len(events)}-{events[0].get('event_id', '')}"
                    answer = await client.post(
                        "event/track/", body=body, advertiser_id=upload.advertiser_id, idempotency_key=attempt
                    )
                    return answer if isinstance(answer, dict) else {}

                outcome = await send_batch(batch, post)
                result.sent += outcome.sent
                result.accepted += outcome.accepted
                result.rejected += len(outcome.errors)
                result.requests += outcome.requests
                result.errors += outcome.errors[: MAX_ERRORS - len(result.errors)]
                counts = f"{outcome.sent},{outcome.accepted},{len(outcome.errors)}"
                await self._ack(key, "events", index, counts)
        return result


def _batches(path: Path, size: int) -> Any:
    with path.open(encoding="utf-8") as handle:
        while lines := list(islice(handle, size)):
            yield [(item["row"], item["event"]) for item in map(json.loads, lines)]


def _limited(event: dict[str, Any], limited: bool) -> dict[str, Any]:
    return {**event, "limited_data_use": True} if limited else event
