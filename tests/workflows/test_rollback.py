"""Rollback on the time-skipping server with the real worker, simulator and store: a launch
undone from its history, a conflict when someone changed an object since (and --force),
a dry run that changes nothing, a second run that changes nothing twice, a running
target refused."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from connector import TikTokClient
from connector.entities import update_adgroup_budgets
from connector.tokens import StaticTokens
from models.errors import InvalidInput
from models.launch import LaunchResult
from models.rollback import RollbackInput, RollbackResult
from store import Store, TokenCipher
from store.audit import audit_history, compare_with_change_log
from store.changes import changes_for
from tests.workflows.helpers import DEMO_TOKEN, running_worker
from tests.workflows.launch_helpers import ADV, launch_input, on_tiktok, wait_for_state
from workflows.campaign_launch import CampaignLaunch
from workflows.rollback import Rollback


async def _launch(env: WorkflowEnvironment, tq: str, name: str) -> tuple[str, LaunchResult]:
    wid = f"launch-{uuid.uuid4().hex[:8]}"
    return wid, await env.client.execute_workflow(
        CampaignLaunch.run, launch_input(name, "none"), id=wid, task_queue=tq
    )


async def _rollback(
    env: WorkflowEnvironment, tq: str, target: str, wid: str | None = None, **options: Any
) -> tuple[str, RollbackResult]:
    wid = wid or f"rollback-{target}-{uuid.uuid4().hex[:4]}"
    inp = RollbackInput(workflow_id=target, actor="ada", **options)
    return wid, await env.client.execute_workflow(Rollback.run, inp, id=wid, task_queue=tq)


async def test_a_launch_is_undone_from_its_history(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Undo-{uuid.uuid4().hex[:4]}"
    base = fresh_simulator.base_url
    async with running_worker(ts_env.client, store, cipher, base) as tq:
        target, launched = await _launch(ts_env, tq, name)
        assert [len(v) for v in (await on_tiktok(base, name)).values()] == [1, 2, 3]
        dry_id, dry = await _rollback(ts_env, tq, target, dry_run=True)
        assert dry.outcome == "dry_run" and dry.restored == 0 and len(dry.planned) == 12, dry
        assert all(x.operation_status == "ENABLE" for v in (await on_tiktok(base, name)).values() for x in v)
        wid, done = await _rollback(ts_env, tq, target, reason="wrong audience")
        _, again = await _rollback(ts_env, tq, target, wid)  # the same rollback once more
    assert launched.outcome == "launched"
    assert done.outcome == "rolled_back" and done.restored == 12 and done.conflicts == []
    # newest first: the enables go back to DISABLE, then what the launch created is deleted
    assert [c.after for c in done.changes[:6]] == [{"operation_status": "DISABLE"}] * 6
    assert [c.after for c in done.changes[6:]] == [{"operation_status": "DELETE"}] * 6
    assert all("wrong audience" in c.reason and c.actor == "ada" for c in done.changes)
    assert await on_tiktok(base, name) == {"campaigns": [], "adgroups": [], "ads": []}
    assert again.outcome == "rolled_back" and again.conflicts == []  # already back: nothing twice
    assert [c.key for c in again.changes] == [c.key for c in done.changes]
    history = await ts_env.client.get_workflow_handle(wid).fetch_history()
    async with store.session() as s:
        rows = list(await changes_for(s, workflow_id=wid))
        dry_rows = list(await changes_for(s, workflow_id=dry_id))
    assert len(rows) == 12 and dry_rows == []
    assert compare_with_change_log(audit_history(history), rows) == []


async def test_a_change_made_since_stops_the_rollback_unless_forced(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Conflict-{uuid.uuid4().hex[:4]}"
    base = fresh_simulator.base_url
    async with running_worker(ts_env.client, store, cipher, base) as tq:
        target, launched = await _launch(ts_env, tq, name)
        moved = launched.created.adgroup_ids[1]
        async with TikTokClient(base, tokens=StaticTokens({ADV: DEMO_TOKEN})) as api:  # someone, by hand
            await update_adgroup_budgets(api, ADV, {moved: 180}, idempotency_key="by-hand")
        _, stopped = await _rollback(ts_env, tq, target)
        left = await on_tiktok(base, name)
        _, forced = await _rollback(ts_env, tq, target, force=True)
    assert stopped.outcome == "conflict"
    assert [(c.entity_id, c.field, c.recorded, c.live) for c in stopped.conflicts] == [
        (moved, "budget", 100.0, 180.0)
    ]
    # everything newer than the conflicting change was undone (every enable, the second ad
    # group's ad deleted), nothing older (the first ad group's two ads, both ad groups)
    assert [len(left[k]) for k in ("campaigns", "adgroups", "ads")] == [1, 2, 2]
    assert {x.operation_status for v in left.values() for x in v} == {"DISABLE"}
    assert stopped.restored == 7
    assert forced.outcome == "rolled_back"
    assert await on_tiktok(base, name) == {"campaigns": [], "adgroups": [], "ads": []}


async def test_a_running_workflow_is_not_rolled_back(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Running-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await ts_env.client.start_workflow(
            CampaignLaunch.run,
            launch_input(name, "single"),
            id=f"launch-{uuid.uuid4().hex[:8]}",
            task_queue=tq,
        )
        await wait_for_state(handle, "pending_stage_1")
        with pytest.raises(WorkflowFailureError) as info:
            await _rollback(ts_env, tq, handle.id)
        await handle.terminate("test over")
    refused = InvalidInput.find(info.value)
    assert refused is not None and "still running" in refused.message
