"""The audit trail: rebuilt from history, the change-log projection agrees with it, and
`starter.py audit --verify` (a real process) detects an edited row, a deleted row, a
changed reason, and the newest rows cut off with the chain's head "fixed" to match."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from temporalio.testing import WorkflowEnvironment

from models.launch import ApprovalRequest, LaunchResult
from models.tables import ChangeChainRow, ChangeLogRow
from store import Store, TokenCipher
from store.audit import audit_history, compare_with_change_log
from store.changes import changes_for
from tests.workflows.helpers import CHANGE_LOG_KEY, DEMO_TOKEN, connect_advertiser, running_worker
from tests.workflows.launch_helpers import ADV, launch_input, seed_tenant, wait_for_state
from workflows.campaign_launch import CampaignLaunch

ROOT = Path(__file__).resolve().parents[2]


async def _audit_cli(env: WorkflowEnvironment, store: Store, *args: str) -> tuple[int, str]:
    environ = {
        **os.environ,
        "TTADS_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TTADS_DATABASE_URL": store.url,
        "TTADS_CHANGE_LOG_KEY": CHANGE_LOG_KEY,
        "COLUMNS": "80",
    }
    environ.pop("DATABASE_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "starter.py",
        "audit",
        *args,
        cwd=ROOT,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode()


async def test_history_and_change_log_agree_and_tampering_is_detected(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any
) -> None:
    await seed_tenant(store)
    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
    name = f"Audit-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await ts_env.client.start_workflow(
            CampaignLaunch.run,
            launch_input(name, "single"),
            id=f"launch-{uuid.uuid4().hex[:8]}",
            task_queue=tq,
            result_type=LaunchResult,
        )
        await wait_for_state(handle, "pending_stage_1")
        await handle.execute_update(
            CampaignLaunch.approve, ApprovalRequest(approver="alice", reason="looks good [ok]")
        )
        result = await handle.result()

    entries = audit_history(await handle.fetch_history())
    async with store.session() as s:
        rows = list(await changes_for(s, workflow_id=handle.id))
    assert compare_with_change_log(entries, rows) == []
    assert [e.kind for e in entries][:2] == ["started", "decision"]
    assert entries[0].actor == "olivia" and entries[1].actor == "alice" and "looks good" in entries[1].detail
    changes = [e.change for e in entries if e.change is not None]
    assert len(changes) == len(result.changes) == len(rows) == 12
    assert all(c.chain is not None and c.chain.advertiser_id == ADV for c in changes)  # anchored
    assert entries[-1].detail == "completed: launched"

    code, out = await _audit_cli(ts_env, store, handle.id, "--verify", "--format", "csv")
    assert code == 0, out
    assert "verified" in out and out.count(",change,") >= 12
    code, out = await _audit_cli(ts_env, store, handle.id)  # the table: 80 columns, text verbatim
    assert code == 0 and "[ok]" in out, out  # bracketed text is text, not markup
    assert max(len(line) for line in out.splitlines()) <= 80, out

    rows.sort(key=lambda r: r.seq)
    async with store.session() as s:  # someone "fixes" a budget and a reason in the table by hand
        await s.execute(
            update(ChangeLogRow).where(ChangeLogRow.id == rows[1].id).values(after={"budget": 1.0})
        )
        await s.execute(
            update(ChangeLogRow).where(ChangeLogRow.id == rows[2].id).values(reason="routine check")
        )
        await s.execute(delete(ChangeLogRow).where(ChangeLogRow.id == rows[4].id))
    code, out = await _audit_cli(ts_env, store, handle.id, "--verify", "--format", "json")
    assert code == 1
    assert f"{rows[1].idempotency_key}: the change log differs from history" in out
    assert f"{rows[2].idempotency_key}: the change log differs from history" in out
    assert f"{rows[4].idempotency_key}: in history, missing from the change log" in out
    assert "content was edited" in out and "deleted or changed" in out

    async with store.session() as s:  # the newest rows cut, the rest re-chained "cleanly"
        await s.execute(delete(ChangeLogRow).where(ChangeLogRow.advertiser_id == ADV))
    async with store.session() as s:
        await s.execute(
            update(ChangeChainRow).where(ChangeChainRow.advertiser_id == ADV).values(seq=0, head_hash=None)
        )
    code, out = await _audit_cli(ts_env, store, handle.id, "--verify")
    assert code == 1 and "the newest rows were deleted" in out, out
    async with store.session() as s:  # leave the shared store's chains intact for other tests
        await s.execute(delete(ChangeChainRow).where(ChangeChainRow.advertiser_id == ADV))
