"""Creative uploads during a launch: once per key, polled until processed, pre-flighted.

The upload is a change on TikTok, so it is recorded in the change log like any other.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio import activity

from activities import changes
from activities.context import Dependencies
from activities.interfaces import CreativeUploads
from connector import files
from models.changes import EntityChange
from models.errors import CreativeRejected, InvalidInput
from models.launch import UploadCreativeInput, Uploaded
from models.tiktok import Video
from policy.guardrails import CreativeFacts, creative_problems


class CreativeActivities(CreativeUploads):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    @activity.defn
    async def upload_creative(self, step: UploadCreativeInput) -> Uploaded:
        """Upload a video or image by URL or from a file on the worker, then wait until usable."""
        content = None
        if step.path:
            try:
                content = await asyncio.to_thread(Path(step.path).read_bytes)
            except OSError as exc:
                raise InvalidInput(f"cannot read creative file {step.path}: {exc.strerror}") from exc
        tiktok, adv = self.deps.tiktok, step.advertiser_id
        made = await files.upload(
            tiktok,
            adv,
            step.kind,
            name=step.name,
            idempotency_key=step.key,
            url=step.url,
            content=content,
        )
        cover = None
        if isinstance(made, Video):
            made = await files.wait_until_displayable(tiktok, adv, made.video_id)
            cid, duration = made.video_id, made.duration
            cover = (made.model_extra or {}).get("video_cover_url")
        else:
            cid, duration = made.image_id, None
        facts = CreativeFacts(step.kind, duration, made.size, made.format, made.width, made.height)
        problems = creative_problems(step.kind, cid, facts)
        if problems:
            raise CreativeRejected("; ".join(problems))
        change = EntityChange(
            entity_type=step.kind,
            entity_id=cid,
            before=None,
            after={"file_name": made.file_name, "format": made.format, "size": made.size},
            reason="launch: upload creative",
            actor=step.actor,
            key=step.key,
        )
        change = await changes.record(self.deps, adv, change)
        return Uploaded(
            kind=step.kind,
            creative_id=cid,
            file_name=made.file_name,
            duration=duration,
            format=made.format,
            cover_url=str(cover) if cover else None,
            change=change,
        )
