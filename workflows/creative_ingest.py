"""``CreativeIngest`` (section 11, workflow 1; FR-1): bring creatives into the library.

For each asset: fetch and probe it against TikTok's specs (format, size, duration,
resolution, aspect ratio, audio, a clean decode) and score it -> an asset that breaks a
rule is refused by name and never uploaded (its pool item stays ``draft``, the rules it broke
in its note) -> the others are ``validated``, then uploaded exactly once (the key is the
workflow's and the asset's) and waited for until TikTok processed them -> ``uploaded`` in the
creative pool, for an operator to approve (rejection recovery only picks approved ones).
Files travel by path on the worker, never through history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import CreativeIngestOperations, CreativeUploads
    from models.creative_ingest import (
        AssetCheck,
        AssetInput,
        CoverInput,
        CreativeIngestInput,
        CreativeIngestResult,
        DeriveInput,
        IngestedAsset,
        InspectAssetInput,
        RegisterInput,
        TextsInput,
    )
    from models.launch import UploadCreativeInput, Uploaded
    from models.workflows import CREATIVE_INGEST
    from workflows.common import ADVERTISER_ID, tiktok_activity, validated_input

PROBE_TIMEOUT = timedelta(minutes=15)  # a 500 MB video downloaded and decoded once
UPLOAD_TIMEOUT = timedelta(minutes=30)
HEARTBEAT = timedelta(seconds=30)  # the activities beat every 5 s: a dead worker shows in 30 s


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
        derive = bool(ingest.variations or ingest.thumbnails or ingest.captions)
        queue: list[tuple[AssetInput, str | None]] = [(asset, None) for asset in ingest.assets]
        videos: dict[str, str] = {}  # a source video's name -> the ingest's key for it
        index = 0
        while index < len(queue):  # derived assets join the queue behind their source
            asset, parent = queue[index]
            key = f"{wid}/asset/{index}"
            of = f"({index + 1}/{len(queue)})"
            workflow.set_current_details(f"**checking** {asset.display_name} {of}")
            check: AssetCheck = await tiktok_activity(
                CreativeIngestOperations.inspect_asset,
                InspectAssetInput(advertiser_id=adv, asset=asset, key=key),
                summary=f"Probe {asset.display_name} against TikTok's specs",
                start_to_close=PROBE_TIMEOUT,
                heartbeat=HEARTBEAT,
            )
            if workflow.patched("pool-stages"):  # the pool knows the asset from its check on
                line_pool = await self._register(ingest, asset, check, key, None)
            else:
                line_pool = None
            line = IngestedAsset(
                name=check.name, derived_from=parent, state="refused", kind=check.kind, score=check.score,
                reasons=check.reasons, failures=check.failures, pool_id=line_pool,
            )  # fmt: skip
            if not check.failures and check.kind in ("video", "image"):
                workflow.set_current_details(f"**uploading** {check.name} {of}")
                await self._upload(ingest, asset, check, key, line)
                if check.kind == "video" and parent is None:
                    videos[check.name] = key
                elif check.kind == "image" and parent in videos and workflow.patched("cover-link"):
                    await tiktok_activity(  # the thumbnail derived from a video is its cover
                        CreativeIngestOperations.link_cover,
                        CoverInput(key=videos[parent], image_id=line.creative_id or ""),
                        summary=f"Record {check.name} as the cover of {parent}",
                        start_to_close=timedelta(minutes=2),
                    )
                if parent is None and derive:
                    derived = await tiktok_activity(
                        CreativeIngestOperations.derive_variations,
                        DeriveInput(
                            asset=asset, check=check, key=key, variations=list(ingest.variations),
                            mode=ingest.variation_mode, thumbnail=ingest.thumbnails, captions=ingest.captions,
                        ),
                        summary=f"Derive variations of {check.name}",
                        start_to_close=PROBE_TIMEOUT,
                        heartbeat=HEARTBEAT,
                    )  # fmt: skip
                    queue += [(d, check.name) for d in derived]
            result.assets.append(line)
            index += 1
        refused = sum(1 for a in result.assets if a.state == "refused")
        workflow.set_current_details(f"**done**: {len(result.assets) - refused} uploaded, {refused} refused")
        return result

    async def _upload(
        self, ingest: CreativeIngestInput, asset: AssetInput, check: AssetCheck, key: str, line: IngestedAsset
    ) -> None:
        """Upload once, keep in the pool, and keep each text variant the NG filter lets through."""
        assert check.kind in ("video", "image")
        uploaded = await tiktok_activity(
            CreativeUploads.upload_creative,
            UploadCreativeInput(
                advertiser_id=ingest.advertiser_id, key=key, kind=check.kind, name=check.name,
                path=check.local_path, actor=ingest.actor,
            ),
            summary=f"Upload {check.name} to TikTok (once) and wait until processed",
            start_to_close=UPLOAD_TIMEOUT,
            heartbeat=HEARTBEAT,
        )  # fmt: skip
        texts = [asset.ad_text]
        if ingest.cta_templates and asset.ad_text:
            line.texts = await tiktok_activity(
                CreativeIngestOperations.text_variants,
                TextsInput(ad_text=asset.ad_text, templates=ingest.cta_templates),
                summary=f"Text variants of {asset.ad_text!r} through the NG-word filter",
                start_to_close=timedelta(minutes=1),
            )
            texts += [t.text for t in line.texts if t.refused is None]
        for text in texts:
            pool_id = await self._register(
                ingest, asset.model_copy(update={"ad_text": text}), check, key, uploaded
            )
            line.pool_id = line.pool_id or pool_id
        line.state, line.creative_id = "uploaded", uploaded.creative_id

    async def _register(
        self,
        ingest: CreativeIngestInput,
        asset: AssetInput,
        check: AssetCheck,
        key: str,
        uploaded: Uploaded | None,
    ) -> int:
        """The asset's pool item: draft (a rule broken), validated, or uploaded."""
        inp = RegisterInput(
            advertiser_id=ingest.advertiser_id, campaign_id=ingest.campaign_id, asset=asset, check=check,
            uploaded=uploaded, tags=ingest.tags, actor=ingest.actor, key=key,
        )  # fmt: skip
        waiting = "waiting for approval" if uploaded else inp.state
        return int(
            await tiktok_activity(
                CreativeIngestOperations.register_creative,
                inp,
                summary=f"Keep {check.name} in the creative pool ({waiting})",
                start_to_close=timedelta(minutes=2),
            )
        )
