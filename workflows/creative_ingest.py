"""``CreativeIngest`` (section 11, workflow 1; FR-1): bring creatives into the library.

For each asset: fetch and probe it against TikTok's specs (format, size, duration,
resolution, aspect ratio, audio, a clean decode) and score it -> an asset that breaks a
rule is refused by name and never uploaded -> upload the others exactly once (the key is the
workflow's and the asset's) and wait until TikTok processed them -> keep them in the
creative pool as ``uploaded``, for an operator to approve (rejection recovery only picks
approved ones). Files travel by path on the worker, never through history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import CreativeIngestOperations, CreativeUploads
    from models.creative_ingest import (
        AssetCheck,
        CreativeIngestInput,
        CreativeIngestResult,
        IngestedAsset,
        InspectAssetInput,
        RegisterInput,
    )
    from models.launch import UploadCreativeInput
    from models.workflows import CREATIVE_INGEST
    from workflows.common import ADVERTISER_ID, tiktok_activity, validated_input

PROBE_TIMEOUT = timedelta(minutes=15)  # a 500 MB video downloaded and decoded once
UPLOAD_TIMEOUT = timedelta(minutes=30)
HEARTBEAT = timedelta(minutes=2)


@workflow.defn(name=CREATIVE_INGEST)
class CreativeIngest:
    def __init__(self) -> None:
        self._result: CreativeIngestResult | None = None

    @workflow.query(name="status")
    def status(self) -> dict[str, Any]:
        return {"result": self._result.model_dump(mode="json") if self._result else None}

    @workflow.run
    async def run(self, inp: CreativeIngestInput | dict[str, Any]) -> CreativeIngestResult:
        ingest = validated_input(CreativeIngestInput, inp)
        adv, wid = ingest.advertiser_id, workflow.info().workflow_id
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(adv)])
        result = self._result = CreativeIngestResult(advertiser_id=adv)
        for index, asset in enumerate(ingest.assets):
            key = f"{wid}/asset/{index}"
            of = f"({index + 1}/{len(ingest.assets)})"
            workflow.set_current_details(f"**checking** {asset.display_name} {of}")
            check: AssetCheck = await tiktok_activity(
                CreativeIngestOperations.inspect_asset,
                InspectAssetInput(advertiser_id=adv, asset=asset, key=key),
                summary=f"Probe {asset.display_name} against TikTok's specs",
                start_to_close=PROBE_TIMEOUT,
                heartbeat=HEARTBEAT,
            )
            line = IngestedAsset(
                name=check.name, state="refused", kind=check.kind, score=check.score, reasons=check.reasons,
                failures=check.failures,
            )  # fmt: skip
            if not check.failures and check.kind in ("video", "image"):
                workflow.set_current_details(f"**uploading** {check.name} {of}")
                uploaded = await tiktok_activity(
                    CreativeUploads.upload_creative,
                    UploadCreativeInput(
                        advertiser_id=adv,
                        key=key,
                        kind=check.kind,
                        name=check.name,
                        path=check.local_path,
                        actor=ingest.actor,
                    ),
                    summary=f"Upload {check.name} to TikTok (once) and wait until processed",
                    start_to_close=UPLOAD_TIMEOUT,
                    heartbeat=HEARTBEAT,
                )
                line.pool_id = await tiktok_activity(
                    CreativeIngestOperations.register_creative,
                    RegisterInput(
                        advertiser_id=adv,
                        campaign_id=ingest.campaign_id,
                        asset=asset,
                        check=check,
                        uploaded=uploaded,
                        tags=ingest.tags,
                        actor=ingest.actor,
                    ),
                    summary=f"Keep {check.name} in the creative pool (waiting for approval)",
                    start_to_close=timedelta(minutes=2),
                )
                line.state, line.creative_id = "uploaded", uploaded.creative_id
            result.assets.append(line)
        refused = sum(1 for a in result.assets if a.state == "refused")
        workflow.set_current_details(f"**done**: {len(result.assets) - refused} uploaded, {refused} refused")
        return result
