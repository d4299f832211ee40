"""``AudienceSync``'s activities: thin wrappers over ``audiences.staging``, the connector's
audience calls and the store's progress records.

Every piece TikTok acknowledges (an uploaded file, an applied batch of files, a streamed
chunk) is recorded under the run's key before the next is sent, so an attempt that follows
a crash skips it; each is also sent with an idempotency key derived from the run and the
piece. Heartbeats carry the progress the Temporal UI shows.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from temporalio import activity
from temporalio.client import Client

from activities.context import Dependencies
from activities.interfaces import AudienceOperations
from alerts.dispatch import send
from audiences.schedule import pause_failing_job
from audiences.source import RowSource
from audiences.staging import ROWS_FILE, StageRefused, load_staged, part_name, stage
from audiences.streaming import Rows, read_chunks, send_concurrently
from connector import TikTokClient
from connector import audiences as api
from connector.heartbeat import beating
from models.alerts import Alert
from models.audience_runs import (
    ApplyInput,
    AudienceSize,
    FilesUploaded,
    JobOutcome,
    JobStreak,
    Resolved,
    SendInput,
    SizeInput,
    Staged,
    StageInput,
    Streamed,
    Target,
)
from models.audience_tables import AudienceFeedRow
from models.audiences import AudienceSyncInput
from models.errors import AudienceRefused
from settings import Settings
from store import audiences as progress

FILES_PER_REQUEST = api.MAX_FILES_PER_REQUEST


def _safe(run_key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_key)[:200]


class AudienceActivities(AudienceOperations):
    def __init__(self, deps: Dependencies, client: Client) -> None:
        self.deps = deps
        self.temporal = client
        self.settings = deps.settings or Settings()

    # -- helpers -------------------------------------------------------------------------------
    def client(self, use_sandbox: bool) -> TikTokClient:
        if not use_sandbox:
            return self.deps.tiktok
        if not self.settings.tiktok_sandbox_base_url:
            raise AudienceRefused(
                "use_sandbox: no sandbox is configured on the worker (TTADS_TIKTOK_SANDBOX_BASE_URL, "
                "TikTok's is https://sandbox-ads.tiktok.com)"
            )
        return self.deps.sandbox()

    def folder(self, run_key: str) -> Path:
        return self.settings.spool_dir / _safe(run_key)

    async def staged(self, sync: AudienceSyncInput, run_key: str) -> Staged:
        """The run's stage: the spool this worker holds, or the source staged again (another
        worker, or a lost disk: the rows are read and hashed the same way)."""
        done = load_staged(self.folder(run_key))
        return done if done is not None else await self.stage_audience(StageInput(sync=sync, run_key=run_key))

    async def _acked(self, run_key: str, step: str) -> dict[int, str]:
        async with self.deps.store.session() as session:
            return await progress.acknowledged(session, run_key, step)

    async def _ack(self, run_key: str, step: str, chunk: int, value: str = "") -> None:
        async with self.deps.store.session() as session:
            await progress.acknowledge(session, run_key, step, chunk, value)

    async def _feed(self, sync: AudienceSyncInput, audience_id: str, name: str, id_types: list[str]) -> None:
        row = AudienceFeedRow(
            advertiser_id=sync.advertiser_id,
            audience_id=audience_id,
            name=name,
            mode=sync.api_mode,
            id_types=id_types,
            job_id=sync.job_id,
            use_sandbox=sync.use_sandbox,
        )
        async with self.deps.store.session() as session:
            await progress.record_feed(session, row)

    # -- activities -----------------------------------------------------------------------------
    @activity.defn
    async def stage_audience(self, inp: StageInput) -> Staged:
        sync, settings = inp.sync, self.settings
        assert sync.source is not None  # the input model requires it for every mode that reads rows
        source = RowSource(sync.source, self.deps.store.engine)
        state = {"rows_read": 0}
        try:
            async with beating(lambda: dict(state)):
                staged = await stage(
                    sync,
                    source,
                    self.folder(inp.run_key),
                    inp.run_key,
                    max_file_bytes=settings.audience_max_file_bytes,
                    max_files=settings.audience_max_files,
                    batch_size=settings.audience_stream_batch,
                    progress=lambda rows: state.update(rows_read=rows),
                )
        except StageRefused as exc:
            raise AudienceRefused(str(exc)) from None
        bad = staged.first_invalid
        if staged.stopped and bad is not None:
            raise AudienceRefused(
                f"row {bad.row}, column {bad.column}: {bad.reason} (skip_invalid_record is false: "
                f"nothing was sent; fix the row or set skip_invalid_record to skip and count such rows)"
            )
        return staged

    @activity.defn
    async def resolve_audiences(self, inp: SendInput) -> Resolved:
        sync = inp.sync
        client = self.client(sync.use_sandbox)
        existing = await api.list_audiences(client, sync.advertiser_id)
        targeted = await api.targeted_audience_ids(client, sync.advertiser_id)
        by_id = {a.audience_id: a for a in existing}
        targets: list[Target] = []
        names = [sync.audience_name] if sync.api_mode == "CUSTOMER_FILE" else sync.audience_names
        for name in names:
            found = next((a for a in existing if a.name == name), None)
            if found is not None:
                _check_kind(sync, found)
            targets.append(
                Target(
                    audience_id=found.audience_id if found else None,
                    name=str(name),
                    size=found.cover_num if found else None,
                    targeted=bool(found and found.audience_id in targeted),
                )
            )
        for audience_id in sync.audience_ids:
            audience = by_id.get(audience_id)
            if audience is None:
                raise AudienceRefused(
                    f"audience_ids: {audience_id} is not an audience of {sync.advertiser_id}"
                )
            if all(t.audience_id != audience_id for t in targets):
                targets.append(
                    Target(
                        audience_id=audience_id,
                        name=audience.name,
                        size=audience.cover_num,
                        targeted=audience_id in targeted,
                    )
                )
        return Resolved(
            targets=targets,
            account_audiences=len(existing),
            max_audiences=self.settings.audience_max_per_account,
        )

    @activity.defn
    async def upload_audience_files(self, inp: SendInput) -> FilesUploaded:
        sync, key = inp.sync, inp.run_key
        staged = await self.staged(sync, key)
        client = self.client(sync.use_sandbox)
        done = await self._acked(key, "upload")
        reused = len(done)
        total = len(staged.part_bytes)
        async with beating(lambda: {"files_uploaded": len(done), "files": total}):
            for index in range(total):
                if index in done:
                    continue
                content = (self.folder(key) / part_name(index)).read_bytes()
                done[index] = await api.upload_file(
                    client,
                    sync.advertiser_id,
                    str(staged.calculate_type),
                    part_name(index),
                    content,
                    idempotency_key=f"{key}/upload/{index}",
                )
                await self._ack(key, "upload", index, done[index])
        return FilesUploaded(file_paths=[done[i] for i in range(total)], reused=reused)

    @activity.defn
    async def apply_audience_files(self, inp: ApplyInput) -> Target:
        sync, key = inp.sync, inp.run_key
        client = self.client(sync.use_sandbox)
        done = await self._acked(key, "apply")
        batches = [
            inp.file_paths[i : i + FILES_PER_REQUEST]
            for i in range(0, len(inp.file_paths), FILES_PER_REQUEST)
        ]
        audience_id = inp.target.audience_id or done.get(0)
        async with beating(lambda: {"file_batches_applied": len(done), "file_batches": len(batches)}):
            for index, batch in enumerate(batches):
                if index in done:
                    continue
                audience_id = audience_id or await api.find_by_name(
                    client, sync.advertiser_id, inp.target.name
                )
                audience_id = await self._apply_batch(inp, audience_id, index, batch)
                done[index] = audience_id
                await self._ack(key, "apply", index, audience_id)
        if audience_id is None:
            raise AudienceRefused(
                f"audience_name: no audience {inp.target.name!r} and no rows to create it from"
            )
        await self._feed(sync, audience_id, inp.target.name, [inp.calculate_type])
        return inp.target.model_copy(update={"audience_id": audience_id})

    async def _apply_batch(
        self, inp: ApplyInput, audience_id: str | None, index: int, batch: list[str]
    ) -> str:
        """Create the audience from the first batch, or update it: the job's action with the first
        batch, then APPEND (REMOVE keeps removing) so that a REPLACE grows past 50 files."""
        sync, client = inp.sync, self.client(inp.sync.use_sandbox)
        if audience_id is None:
            return await api.create_audience(
                client,
                sync.advertiser_id,
                inp.target.name,
                inp.calculate_type,
                batch,
                idempotency_key=f"{inp.run_key}/create",
            )
        action = sync.audience_action if index == 0 or sync.audience_action == "REMOVE" else "APPEND"
        await api.update_audience(
            client,
            sync.advertiser_id,
            audience_id,
            action,
            batch,
            idempotency_key=f"{inp.run_key}/apply/{index}",
        )
        return audience_id

    @activity.defn
    async def prepare_segments(self, inp: SendInput) -> list[Target]:
        sync = inp.sync
        client = self.client(sync.use_sandbox)
        out: list[Target] = []
        for target in inp.targets:
            if target.audience_id is None:
                audience_id = await api.find_by_name(client, sync.advertiser_id, target.name)
                if audience_id is None:
                    audience_id = await api.create_segment(
                        client,
                        sync.advertiser_id,
                        target.name,
                        idempotency_key=f"{inp.run_key}/segment/{target.name}",
                    )
                target = target.model_copy(update={"audience_id": audience_id})
            out.append(target)
        return out

    @activity.defn
    async def stream_audience_rows(self, inp: SendInput) -> Streamed:
        sync, key = inp.sync, inp.run_key
        staged = await self.staged(sync, key)
        client = self.client(sync.use_sandbox)
        audience_ids = [str(t.audience_id) for t in inp.targets]
        done = set(await self._acked(key, "stream"))
        action = "add" if sync.streaming_action == "ADD" else "delete"
        state = {"chunks": staged.chunks, "chunks_sent": len(done), "rows_sent": 0}

        async def send(index: int, rows: Rows) -> None:
            await api.map_segment(
                client,
                sync.advertiser_id,
                action,
                staged.id_schema,
                rows,
                audience_ids,
                idempotency_key=f"{key}/stream/{index}",
            )
            await self._ack(key, "stream", index)
            state["chunks_sent"] += 1
            state["rows_sent"] += len(rows)

        async with beating(lambda: dict(state)):
            chunks = read_chunks(self.folder(key) / ROWS_FILE, staged.batch_size, done)
            await send_concurrently(chunks, send, sync.thread_count)
        for target in inp.targets:
            await self._feed(sync, str(target.audience_id), target.name, staged.id_schema)
        sent = state["chunks_sent"] - len(done)
        return Streamed(chunks_sent=sent, chunks_skipped=len(done), rows_sent=state["rows_sent"])

    @activity.defn
    async def delete_segments(self, inp: SendInput) -> list[str]:
        sync = inp.sync
        client = self.client(sync.use_sandbox)
        existing = {a.audience_id for a in await api.list_audiences(client, sync.advertiser_id)}
        deleted = []
        for target in inp.targets:
            if target.audience_id and target.audience_id in existing:
                await api.delete_segment(
                    client,
                    sync.advertiser_id,
                    target.audience_id,
                    idempotency_key=f"{inp.run_key}/delete/{target.audience_id}",
                )
                deleted.append(target.audience_id)
            if target.audience_id:
                async with self.deps.store.session() as session:
                    await progress.drop_feed(session, sync.advertiser_id, target.audience_id)
        return deleted

    @activity.defn
    async def audience_sizes(self, inp: SizeInput) -> list[AudienceSize]:
        client = self.client(inp.use_sandbox)
        found = await api.get_audiences(client, inp.advertiser_id, inp.audience_ids)
        return [AudienceSize(audience_id=a.audience_id, name=a.name, size=a.cover_num) for a in found]

    @activity.defn
    async def record_audience_outcome(self, outcome: JobOutcome) -> JobStreak:
        limit = self.settings.audience_failures_before_pause
        async with self.deps.store.session() as session:
            job = await progress.record_outcome(
                session, outcome.job_id, outcome.advertiser_id, outcome.ok, outcome.workflow_id
            )
            failures, already = job.failures, job.paused_reason is not None
            if failures >= limit and not already:
                last = outcome.error or "unknown"
                job.paused_reason = f"{failures} failed runs in a row; last: {last}"[:500]
            reason = job.paused_reason
        if failures < limit or already or reason is None:
            return JobStreak(failures=failures, paused=already)
        paused = await pause_failing_job(self.temporal, outcome.job_id, reason)
        alert = Alert(
            level="critical",
            kind="audience_job_failing",
            title=f"Audience job {outcome.job_id} failed {failures} times in a row"
            + (" and is paused" if paused else ""),
            body=f"{reason}\nResume it after the fix: starter.py audience schedule resume {outcome.job_id}",
            advertiser_id=outcome.advertiser_id,
            workflow_id=outcome.workflow_id,
        )
        await send(self.deps.store, self.settings, alert, datetime.now(UTC))
        return JobStreak(failures=failures, paused=paused)

    @activity.defn
    async def finish_audience_sync(self, run_key: str) -> None:
        shutil.rmtree(self.folder(run_key), ignore_errors=True)
        async with self.deps.store.session() as session:
            await progress.forget_run(session, run_key)


def _check_kind(sync: AudienceSyncInput, found: api.CustomAudience) -> None:
    """A job may only write to an audience of its own kind and identifier type."""
    segment = found.calculate_type is None  # segment (streaming) audiences have no calculate type
    if sync.api_mode == "CUSTOMER_FILE" and segment:
        raise AudienceRefused(
            f"audience_name: {found.name!r} ({found.audience_id}) is a streaming audience; "
            "a CUSTOMER_FILE job needs a customer-file audience: choose another name"
        )
    if sync.api_mode == "CUSTOMER_FILE" and found.calculate_type != sync.encryption_type:
        raise AudienceRefused(
            f"encryption_type: audience {found.name!r} holds {found.calculate_type}, "
            f"the job sends {sync.encryption_type}"
        )
    if sync.api_mode == "STREAMING" and not segment:
        raise AudienceRefused(
            f"audience_names: {found.name!r} ({found.audience_id}) is a customer-file audience; "
            "streaming writes to segment audiences: choose another name"
        )
