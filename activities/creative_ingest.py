"""``CreativeIngest``'s activities: fetch and probe an asset against TikTok's specs, and keep
an uploaded one in the creative pool (the upload itself is ``CreativeUploads.upload_creative``,
exactly once per key)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import asdict
from pathlib import Path

import httpx
from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import CreativeIngestOperations
from creatives import variations
from creatives.ocr import screen_text
from creatives.probe import probe
from creatives.spec import failures, score
from models.creative_ingest import (
    AssetCheck,
    AssetInput,
    CoverInput,
    DeriveInput,
    InspectAssetInput,
    RegisterInput,
    RuleFailure,
    TextChoice,
    TextsInput,
)
from models.errors import InvalidInput
from models.recovery_tables import PoolCreativeRow
from policy.guardrails import DEFAULT_NG_WORDS
from settings import Settings
from store import pool

MAX_DOWNLOAD = 500 * 1024 * 1024


class CreativeIngestActivities(CreativeIngestOperations):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.settings = deps.settings or Settings()

    def folder(self, key: str) -> Path:
        """Where an asset's downloads and derived files are kept on the worker."""
        return self.settings.data_dir / "creative-spool" / hashlib.sha256(key.encode()).hexdigest()[:16]

    async def _local(self, inp: InspectAssetInput) -> Path:
        if inp.asset.path is not None:
            path = Path(inp.asset.path)
            if not await asyncio.to_thread(path.is_file):
                raise InvalidInput(f"assets: no such file on the worker: {path}")
            return path
        url = str(inp.asset.url)
        folder = self.folder(inp.key)
        target = folder / inp.asset.display_name
        if target.is_file():
            return target
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        async with (
            httpx.AsyncClient(timeout=120, follow_redirects=True) as http,
            http.stream("GET", url) as answer,
        ):
            if answer.status_code != 200:
                raise InvalidInput(f"assets: {url} answered HTTP {answer.status_code}")
            size = 0
            with partial.open("wb") as out:  # streamed: a 500 MB video never sits in memory
                async for chunk in answer.aiter_bytes(1 << 20):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD:
                        raise InvalidInput(f"assets: {url} is larger than 500 MB")
                    out.write(chunk)
                    activity.heartbeat({"downloaded_bytes": size})
        partial.replace(target)
        return target

    @activity.defn
    async def inspect_asset(self, inp: InspectAssetInput) -> AssetCheck:
        path = await self._local(inp)
        facts = await asyncio.to_thread(probe, path)
        seen = await asyncio.to_thread(screen_text, path, facts) if facts.kind != "unknown" else None
        failed = failures(facts)
        points, reasons = score(facts, failed)
        on_screen = {"on_screen_text": seen.text, "ocr": seen.skipped or "read"} if seen else {}
        return AssetCheck(
            name=inp.asset.display_name,
            kind="video" if facts.kind == "video" else "image" if facts.kind == "image" else "unknown",
            local_path=str(path),
            facts={**{k: v for k, v in asdict(facts).items() if k != "path"}, **on_screen},
            failures=[RuleFailure(rule=f.rule, detail=f.detail) for f in failed],
            score=points,
            reasons=reasons,
        )

    @activity.defn
    async def derive_variations(self, inp: DeriveInput) -> list[AssetInput]:
        src = Path(inp.check.local_path)
        facts = await asyncio.to_thread(probe, src)
        folder = self.folder(inp.key)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        stem, suffix = Path(inp.check.name).stem, src.suffix
        made: list[tuple[str, Path]] = []
        for ratio in inp.variations:
            out = folder / f"{stem}-{ratio.replace(':', 'x')}-{inp.mode}{suffix}"
            done = await asyncio.to_thread(variations.aspect_version, src, facts, ratio, out, inp.mode)
            if done is not None:
                made.append((f"{stem} [{ratio} {inp.mode}]{suffix}", done))
        if facts.kind == "video" and inp.thumbnail:
            made.append((f"{stem} [thumbnail].jpg", await asyncio.to_thread(
                variations.thumbnail, src, facts, folder / f"{stem}-thumbnail.jpg")))  # fmt: skip
        if facts.kind == "video" and inp.captions:
            subtitles = Path(inp.captions)
            if not await asyncio.to_thread(subtitles.is_file):
                raise InvalidInput(f"captions: no such file on the worker: {subtitles}")
            out = folder / f"{stem}-captioned{suffix}"
            made.append((f"{stem} [captioned]{suffix}", await asyncio.to_thread(
                variations.burn_captions, src, subtitles, out)))  # fmt: skip
        tags = [*inp.asset.tags, "derived", f"from:{inp.check.name}"]
        return [
            inp.asset.model_copy(update={"path": str(path), "url": None, "name": name, "tags": tags})
            for name, path in made
        ]

    @activity.defn
    async def text_variants(self, inp: TextsInput) -> list[TextChoice]:
        choices = variations.cta_variants(inp.ad_text, DEFAULT_NG_WORDS, tuple(inp.templates))
        return [TextChoice(text=c.text, refused=c.refused) for c in choices]

    @activity.defn
    async def link_cover(self, inp: CoverInput) -> int:
        async with self.deps.store.session() as session:
            return await pool.link_cover(session, inp.key, inp.image_id)

    @activity.defn
    async def register_creative(self, inp: RegisterInput) -> int:
        asset, check = inp.asset, inp.check
        broken = "; ".join(f"{f.rule}: {f.detail}" for f in check.failures)
        made = inp.uploaded
        cover = {"video_cover_url": made.cover_url} if made and made.cover_url else {}
        row = PoolCreativeRow(
            advertiser_id=inp.advertiser_id,
            campaign_id=inp.campaign_id,
            kind=inp.uploaded.kind if inp.uploaded else check.kind,
            creative_id=inp.uploaded.creative_id if inp.uploaded else None,
            ad_text=asset.ad_text,
            call_to_action=asset.call_to_action,
            landing_page_url=asset.landing_page_url,
            state=inp.state,
            tags=sorted({*inp.tags, *asset.tags}),
            note=f"refused: {broken}"
            if broken
            else f"quality {check.score}/100" + (f": {'; '.join(check.reasons)}" if check.reasons else ""),
            ingest_key=inp.key,
            added_by=inp.actor,
            source=asset.path or asset.url,
            score=inp.check.score,
            facts={**inp.check.facts, **cover},
        )
        async with self.deps.store.session() as session:
            stored = await pool.add(session, row)
            return int(stored.id or 0)
