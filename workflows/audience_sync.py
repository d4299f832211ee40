"""``AudienceSync``: export a segment to TikTok custom audiences, as Treasure Data's TikTok
export does, with its parameters.

Stage the source once (checked, normalised, hashed, spooled on the worker) -> find the
audiences (sizes, whether an ad group targets them, the account's count) -> refuse, before
anything is sent, what TikTok's limits or the targeting minimum forbid -> a dry run stops
here with the counts -> CUSTOMER_FILE: upload each file once, then create the audience or
APPEND/REMOVE/REPLACE; STREAMING: create missing segment audiences, then send the rows in
batches with ``thread_count`` senders (or DELETE_AUDIENCE) -> read TikTok's sizes -> clean
up. Rows never pass through history; a crash resumes from the last acknowledged piece.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import AudienceOperations
    from models.audience_runs import (
        ApplyInput,
        AudienceSize,
        AudienceSyncResult,
        JobOutcome,
        Resolved,
        SendInput,
        SizeInput,
        Staged,
        StageInput,
        Target,
    )
    from models.audiences import AudienceSyncInput
    from models.errors import AudienceRefused
    from models.workflows import AUDIENCE_SYNC
    from policy.audiences import action_of, expected_size, refusals
    from workflows.common import ADVERTISER_ID, remove_spool, run_key, tiktok_activity, validated_input

SHORT = timedelta(minutes=5)
LONG = timedelta(hours=6)  # a 25 GB export at TikTok's pace; heartbeats catch a dead worker sooner
HEARTBEAT = timedelta(seconds=30)  # activities heartbeat every 5 s (connector.heartbeat.beating)
MIN_AUDIENCE_SIZE = 1000


@workflow.defn(name=AUDIENCE_SYNC)
class AudienceSync:
    def __init__(self) -> None:
        self._phase = "starting"
        self._result: AudienceSyncResult | None = None

    @workflow.query(name="status")
    def status(self) -> dict[str, Any]:
        """The phase and, once known, the counts so far."""
        return {"phase": self._phase, "result": self._result.model_dump() if self._result else None}

    def _enter(self, phase: str) -> None:
        self._phase = phase
        workflow.set_current_details(f"**{phase}**")

    @workflow.run
    async def run(self, inp: AudienceSyncInput | dict[str, Any]) -> AudienceSyncResult:
        sync = validated_input(AudienceSyncInput, inp)
        key = run_key()
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(sync.advertiser_id)])
        error: BaseException | None = None
        try:
            return await self._sync(sync, key)
        except Exception as exc:
            error = exc
            raise
        finally:  # done, refused or failed: the spool and progress records of this run go
            if sync.job_id is not None:
                await self._record_outcome(sync, error)
            await remove_spool(key)

    async def _record_outcome(self, sync: AudienceSyncInput, error: BaseException | None) -> None:
        """A scheduled job's streak of failures; never fails the run itself."""
        assert sync.job_id is not None
        cause = getattr(error, "cause", None) or error
        outcome = JobOutcome(
            job_id=sync.job_id,
            advertiser_id=sync.advertiser_id,
            workflow_id=workflow.info().workflow_id,
            ok=error is None,
            error=str(cause)[:300] if error is not None else None,
        )
        try:
            await tiktok_activity(
                AudienceOperations.record_audience_outcome,
                outcome,
                summary=f"Record the {'success' if outcome.ok else 'failure'} of job {sync.job_id}",
                start_to_close=SHORT,
            )
        except ActivityError:
            workflow.logger.warning("the outcome of job %s could not be recorded", sync.job_id)

    async def _sync(self, sync: AudienceSyncInput, key: str) -> AudienceSyncResult:
        reads_rows = sync.source is not None
        staged = Staged(run_key=key)
        if reads_rows:
            self._enter(f"reading and hashing {sync.source.describe() if sync.source else ''}")
            staged = await tiktok_activity(
                AudienceOperations.stage_audience,
                StageInput(sync=sync, run_key=key),
                summary=f"Read, check and hash the rows of {sync.source.describe() if sync.source else ''}",
                start_to_close=LONG,
                heartbeat=HEARTBEAT,
            )
        send = SendInput(sync=sync, run_key=key, staged=staged)
        self._enter("finding the audiences on TikTok")
        resolved: Resolved = await tiktok_activity(
            AudienceOperations.resolve_audiences,
            send,
            summary="Find the audiences, their sizes and whether ad groups target them",
            start_to_close=SHORT,
        )
        self._result = self._summary(sync, staged, resolved)
        problems = refusals(sync, staged, resolved, min_size=MIN_AUDIENCE_SIZE)
        if problems:
            self._enter("refused: nothing was sent")
            raise AudienceRefused("; ".join(problems))
        if sync.dry_run:
            self._enter("dry run: nothing was sent")
            return self._result
        send = send.model_copy(update={"targets": resolved.targets})
        if sync.api_mode == "CUSTOMER_FILE":
            ids = [await self._customer_file(sync, send, resolved.targets[0])]
        elif sync.streaming_action == "DELETE_AUDIENCE":
            self._enter("deleting the audiences")
            deleted = await tiktok_activity(
                AudienceOperations.delete_segments,
                send,
                summary=f"Delete {len(resolved.targets)} segment audience(s)",
                start_to_close=SHORT,
            )
            self._result.notes.append(f"deleted {len(deleted)} audience(s): {', '.join(deleted)}")
            ids = []
        else:
            ids = await self._stream(sync, send)
        if ids:
            self._enter("reading TikTok's audience sizes")
            sizes: list[AudienceSize] = await tiktok_activity(
                AudienceOperations.audience_sizes,
                SizeInput(advertiser_id=sync.advertiser_id, audience_ids=ids, use_sandbox=sync.use_sandbox),
                summary="Read the audiences' sizes (cover_num)",
                start_to_close=SHORT,
            )
            self._result.audiences = sizes
            known = [s.size for s in sizes if s.size is not None]
            if known and staged.valid and action_of(sync) in ("APPEND", "REPLACE", "ADD"):
                self._result.match_rate = round(min(sum(known) / (staged.valid * len(known)), 1.0), 4)
        await tiktok_activity(
            AudienceOperations.finish_audience_sync,
            key,
            summary="Remove the run's spool",
            start_to_close=SHORT,
        )
        self._enter("done")
        return self._result

    async def _customer_file(self, sync: AudienceSyncInput, send: SendInput, target: Target) -> str:
        staged = send.staged
        assert self._result is not None
        self._enter(f"uploading {len(staged.part_bytes)} customer file(s)")
        uploaded = await tiktok_activity(
            AudienceOperations.upload_audience_files,
            send,
            summary=f"Upload {len(staged.part_bytes)} customer file(s) of {staged.valid} hashed ids",
            start_to_close=LONG,
            heartbeat=HEARTBEAT,
        )
        self._result.resent_skipped += uploaded.reused
        verb = "create" if target.audience_id is None else sync.audience_action
        self._enter(f"{verb} audience {target.name!r}")
        applied = await tiktok_activity(
            AudienceOperations.apply_audience_files,
            ApplyInput(
                sync=sync,
                run_key=send.run_key,
                target=target,
                file_paths=uploaded.file_paths,
                calculate_type=str(staged.calculate_type),
            ),
            summary=f"{verb.capitalize()} audience {target.name!r} with {len(uploaded.file_paths)} file(s)",
            start_to_close=SHORT * 6,
            heartbeat=HEARTBEAT,
        )
        return str(applied.audience_id)

    async def _stream(self, sync: AudienceSyncInput, send: SendInput) -> list[str]:
        assert self._result is not None
        self._enter("preparing the segment audiences")
        targets: list[Target] = await tiktok_activity(
            AudienceOperations.prepare_segments,
            send,
            summary="Create the segment audiences that do not exist yet",
            start_to_close=SHORT,
        )
        send = send.model_copy(update={"targets": targets})
        chunks = send.staged.chunks
        self._enter(f"sending {chunks} batch(es) with {sync.thread_count} senders")
        streamed = await tiktok_activity(
            AudienceOperations.stream_audience_rows,
            send,
            summary=(
                f"{sync.streaming_action} {send.staged.valid} rows in {chunks} batch(es), "
                f"{sync.thread_count} senders"
            ),
            start_to_close=LONG,
            heartbeat=HEARTBEAT,
        )
        self._result.resent_skipped += streamed.chunks_skipped
        return [str(t.audience_id) for t in targets]

    @staticmethod
    def _summary(sync: AudienceSyncInput, staged: Staged, resolved: Resolved) -> AudienceSyncResult:
        first = resolved.targets[0] if resolved.targets else None
        return AudienceSyncResult(
            mode=sync.api_mode,
            action=action_of(sync),
            dry_run=sync.dry_run,
            rows=staged.rows,
            valid=staged.valid,
            invalid=staged.invalid,
            files=len(staged.part_bytes),
            chunks=staged.chunks,
            sizes_before={t.name: t.size for t in resolved.targets},
            expected_size=expected_size(sync, staged, first) if first else None,
        )
