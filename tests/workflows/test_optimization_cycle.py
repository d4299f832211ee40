"""OptimizationCycle on the time-skipping server with the real worker, simulator and store:
a dry run explains and changes nothing; a cycle applies its small moves at once, gated
moves after an approval (or drops them on rejection), each change with its reason in the
change log; and a Rollback of the cycle sets everything back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from activities.account import load_account
from connector import TikTokClient
from connector.management import list_adgroups
from models.launch import ApprovalRequest
from models.optimization import CycleResult, CycleSettings, CycleStatus, OptimizationCycleInput
from models.rollback import RollbackInput, RollbackResult
from optimizer.whatif import forecast
from settings import get_settings
from starter import app
from store import Store, TokenCipher
from store.audit import audit_history, compare_with_change_log
from store.changes import changes_for
from tests.connector.sim import admin, advance
from tests.workflows.helpers import DEMO_TOKEN, running_worker
from tests.workflows.launch_helpers import ADV
from workflows.optimization_cycle import OptimizationCycle
from workflows.rollback import Rollback

TARGET_CPA = 40.0
SPRING_BROAD = "1800000000000000001"


async def _budgets(base: str) -> dict[str, float | None]:
    async with TikTokClient(base) as api:
        return {g.adgroup_id: g.budget for g in await list_adgroups(api, ADV, token=DEMO_TOKEN)}


def _cycle(**settings: Any) -> OptimizationCycleInput:
    return OptimizationCycleInput.model_validate(
        {"advertiser_id": ADV, "settings": {"target_cpa": TARGET_CPA, "seed": 7, **settings}}
    )


async def _status_when(handle: WorkflowHandle[Any, Any], state: str) -> CycleStatus:
    for _ in range(300):
        status = await handle.query(OptimizationCycle.status)
        if status.approval_state == state:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"cycle never reached {state}: {status.step}")


@pytest.fixture
async def market(fresh_simulator: Any, ready: None) -> str:
    """A simulator of the test's own, its market run for four days and a morning; its URL."""
    base: str = fresh_simulator.base_url
    await advance(base, 4 * 24 + 10)
    return base


def _worker(env: WorkflowEnvironment, store: Store, cipher: TokenCipher, base: str) -> Any:
    """The service's worker on a fresh queue, reading TikTok's time from the simulator."""
    return running_worker(env.client, store, cipher, base, tiktok_clock_url=f"{base}/sim/clock")


async def test_dry_run_explains_and_changes_nothing(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, market: str
) -> None:
    base = market
    before = await _budgets(base)
    async with _worker(ts_env, store, cipher, base) as tq:
        wid = f"optimize-{ADV}-dry-{uuid.uuid4().hex[:6]}"
        result: CycleResult = await ts_env.client.execute_workflow(
            OptimizationCycle.run, _cycle(dry_run=True), id=wid, task_queue=tq
        )
    assert result.outcome == "dry_run" and result.applied == [] and result.changed == 0
    assert result.proposed, result
    assert all(": " in line for line in result.proposed)  # each move with its reason
    assert any(n.startswith("pacing:") for n in result.notes), result.notes
    assert result.window.startswith("2024-01-05 08:00"), result.window  # the simulator's clock
    assert await _budgets(base) == before
    async with store.session() as s:
        assert list(await changes_for(s, workflow_id=wid)) == []
    async with _worker(ts_env, store, cipher, base) as tq:
        rerun = _cycle(dry_run=True).model_copy(update={"as_of": datetime(2024, 1, 3, 12, 30)})
        earlier: CycleResult = await ts_env.client.execute_workflow(
            OptimizationCycle.run, rerun, id=f"{wid}-rerun", task_queue=tq
        )
    assert earlier.window == "2024-01-03 10:00 to 12:00"  # a re-run looks at the hours it names
    # what-if reads the same account the cycle decided from
    account, approvers = await load_account(
        store, ADV, datetime(2024, 1, 5, 10), CycleSettings(target_cpa=40)
    )
    assert "alice" in approvers
    group = next(g for g in account.adgroups if g.adgroup_id == SPRING_BROAD)
    now = forecast(account, CycleSettings(target_cpa=40), SPRING_BROAD, float(group.budget or 0))
    double = forecast(account, CycleSettings(target_cpa=40), SPRING_BROAD, 2 * float(group.budget or 0))
    assert now.conversions > 0 and double.conversions == pytest.approx(2 * now.conversions, rel=0.01)
    assert now.cpa_90[0] < now.cpa < now.cpa_90[1] and now.cpa == double.cpa


async def test_cycle_applies_gates_and_rolls_back(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, market: str, tmp_path: Path
) -> None:
    base = market
    before = await _budgets(base)
    async with _worker(ts_env, store, cipher, base) as tq:
        wid = f"optimize-{ADV}-{uuid.uuid4().hex[:6]}"
        handle = await ts_env.client.start_workflow(
            OptimizationCycle.run, _cycle(approval_move=0.1, max_move=0.4), id=wid, task_queue=tq
        )
        waiting = await _status_when(handle, "pending_stage_1")
        assert waiting.gated and all(m.needs_approval for m in waiting.gated)
        assert waiting.eligible_now and "optimizer" not in waiting.eligible_now
        direct = list(waiting.applied)
        answer = await handle.execute_update(OptimizationCycle.approve, ApprovalRequest(approver="alice"))
        assert answer.approval_state == "approved" and answer.gated == len(waiting.gated)
        result: CycleResult = await handle.result()
        final = await handle.query(OptimizationCycle.status)
        after = await _budgets(base)
        rollback_id = f"rollback-{wid}"
        undone: RollbackResult = await ts_env.client.execute_workflow(
            Rollback.run, RollbackInput(workflow_id=wid, actor="ada"), id=rollback_id, task_queue=tq
        )
    assert result.outcome == "applied"
    assert len(result.applied) == len(final.applied) == len(direct) + len(waiting.gated), result
    assert result.applied == [m.line() for m in final.applied]
    budget_moves = [m for m in final.applied if m.kind == "budget" and m.entity_type == "adgroup"]
    assert budget_moves, final.applied
    for m in budget_moves:
        assert after[m.entity_id] == m.after, m.line()
    async with store.session() as s:
        rows = list(await changes_for(s, workflow_id=wid))
    trail = audit_history(await ts_env.client.get_workflow_handle(wid).fetch_history())
    assert len(rows) == result.changed == len([e for e in trail if e.kind == "change"]) > 0
    assert compare_with_change_log(trail, rows) == []
    assert all(r.actor == "optimizer" and ":" in r.reason for r in rows)
    assert undone.outcome == "rolled_back" and undone.conflicts == [], undone
    assert await _budgets(base) == before
    # starter.py report charts the pulled days and marks this cycle where it decided
    out = tmp_path / "report"
    args = ["report", "--advertiser", ADV, "--out", str(out), "--target-cpa", "40"]
    get_settings.cache_clear()  # the CLI reads this test's store, not settings read earlier
    try:
        shown = await asyncio.to_thread(CliRunner().invoke, app, args, env={"TTADS_DATABASE_URL": store.url})
    finally:
        get_settings.cache_clear()
    assert shown.exit_code == 0, shown.output
    page = (out / f"report-{ADV}.html").read_text()
    assert wid in page and "2024-01-05" in page, shown.output
    assert (out / f"report-{ADV}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_rejected_moves_are_dropped_and_the_rest_stays(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, market: str
) -> None:
    base = market
    async with _worker(ts_env, store, cipher, base) as tq:
        wid = f"optimize-{ADV}-{uuid.uuid4().hex[:6]}"
        handle = await ts_env.client.start_workflow(
            OptimizationCycle.run, _cycle(approval_move=0.0001), id=wid, task_queue=tq
        )
        waiting = await _status_when(handle, "pending_stage_1")
        await handle.execute_update(
            OptimizationCycle.reject, ApprovalRequest(approver="bob", reason="not before the sale")
        )
        result: CycleResult = await handle.result()
        final = await handle.query(OptimizationCycle.status)
    gated = {m.entity_id for m in waiting.gated}
    assert gated and not gated & {m.entity_id for m in final.applied if m.kind == "budget"}
    assert len(result.dropped) == len(waiting.gated)
    assert all("rejected: not before the sale" in d for d in result.dropped)


async def test_cycle_honours_an_ab_test_and_ends_it_once(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, market: str
) -> None:
    """A registered A/B test on two ad groups: a dry run looks and ends nothing; a cycle
    leaves the arms untouched, records its look and (the planned sample being tiny) ends the
    test in the store with its own id; the next cycle no longer sees it."""
    from models.tables import ExperimentRow
    from store import experiments

    arms = [SPRING_BROAD, "1800000000000000003"]
    name = f"broad-vs-retargeting-{uuid.uuid4().hex[:4]}"
    row = ExperimentRow(
        experiment_id=f"{ADV}:{name}", advertiser_id=ADV, name=name, kind="ab", policy="split",
        entity_type="adgroup", arms=arms, baseline_cpa=TARGET_CPA, mde=0.2, power=0.8, alpha=0.05,
        planned_conversions=1, planned_days=0.5, start_day="2024-01-03", created_by="olivia",
    )  # fmt: skip
    async with store.session() as s:
        await experiments.register(s, row)
    async with _worker(ts_env, store, cipher, base := market) as tq:
        before = await _budgets(base)
        dry: CycleResult = await ts_env.client.execute_workflow(
            OptimizationCycle.run,
            _cycle(dry_run=True),
            id=f"optimize-{ADV}-{uuid.uuid4().hex[:6]}",
            task_queue=tq,
        )
        async with store.session() as s:
            assert (await s.get(ExperimentRow, row.experiment_id)).status == "running"  # type: ignore[union-attr]
        wid = f"optimize-{ADV}-{uuid.uuid4().hex[:6]}"
        result: CycleResult = await ts_env.client.execute_workflow(
            OptimizationCycle.run,
            _cycle(approval_move=5.0, approve_adgroup_pauses=False),
            id=wid,
            task_queue=tq,
        )
        after = await _budgets(base)
    assert any(f"experiment {name}" in n for n in dry.notes), dry.notes
    assert result.outcome in ("applied", "nothing_to_do") and any(
        f"experiment {name}" in n for n in result.notes
    )
    assert all(after[a] == before[a] for a in arms), (before, after)
    assert not any(a in line for a in ("Spring - Broad", "Spring - Retargeting") for line in result.applied)
    async with store.session() as s:
        ended = await s.get(ExperimentRow, row.experiment_id)
        assert ended is not None and ended.status in ("winner", "no_winner") and ended.ended_by == wid
        assert ended.result and name in ended.result["line"]
        assert await experiments.running(s, ADV) == []


async def test_prior_fit_feeds_the_next_cycle(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, market: str
) -> None:
    """PriorFit learns from the rows a cycle pulled (pymc in a process of its own) and stores
    the priors; the next cycle starts from them and says so."""
    from models.priors import PriorFitInput, PriorFitResult
    from models.tables import PriorFitRow
    from store import priors
    from workflows.prior_fit import PriorFit

    try:
        async with _worker(ts_env, store, cipher, market) as tq:
            first: CycleResult = await ts_env.client.execute_workflow(
                OptimizationCycle.run,
                _cycle(dry_run=True),
                id=f"optimize-{ADV}-{uuid.uuid4().hex[:6]}",
                task_queue=tq,
            )
            fitted: PriorFitResult = await ts_env.client.execute_workflow(
                PriorFit.run,
                PriorFitInput(advertiser_id=ADV, target_cpa=TARGET_CPA),
                id=f"fit-priors-{ADV}-{uuid.uuid4().hex[:6]}",
                task_queue=tq,
            )
            after: CycleResult = await ts_env.client.execute_workflow(
                OptimizationCycle.run,
                _cycle(dry_run=True),
                id=f"optimize-{ADV}-{uuid.uuid4().hex[:6]}",
                task_queue=tq,
            )
        async with store.session() as s:
            row = await priors.latest(s, ADV)
        assert fitted.outcome == "fitted" and fitted.groups >= 2 and fitted.campaigns >= 1, fitted
        assert row is not None and row.campaigns and len(row.advertiser) == 2
        assert not any(n.startswith("priors:") for n in first.notes)
        assert any(n.startswith("priors: hierarchical fit") for n in after.notes), after.notes
    finally:  # the other tests of this advertiser decide from the flat prior
        async with store.session() as s:
            if (stale := await s.get(PriorFitRow, ADV)) is not None:
                await s.delete(stale)


async def test_a_critical_cpa_spike_rolls_back_the_last_cycle(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, market: str
) -> None:
    """``on_critical_anomaly: rollback``: conversions collapse after a cycle moved budgets; the
    next cycle finds the CPA spike, starts ``Rollback`` of that cycle and changes nothing itself."""
    base = market
    before = await _budgets(base)
    async with _worker(ts_env, store, cipher, base) as tq:
        first = f"optimize-{ADV}-{uuid.uuid4().hex[:6]}"
        moved: CycleResult = await ts_env.client.execute_workflow(
            OptimizationCycle.run, _cycle(approval_move=5.0, max_move=0.4), id=first, task_queue=tq
        )
        assert moved.outcome == "applied" and moved.applied, moved
        changed = await _budgets(base)
        assert changed != before
        clock = (await admin(base, "GET", "clock"))["now"]
        event = {
            "at": clock,
            "target": {"campaign_name": "Spring Sale - Conversions"},
            "true_cvr_factor": 0.02,
        }
        await admin(base, "POST", "events", [event])
        await advance(base, 34)  # the next day's evening: today is all after the collapse
        second = f"optimize-{ADV}-{uuid.uuid4().hex[:6]}"
        result: CycleResult = await ts_env.client.execute_workflow(
            OptimizationCycle.run, _cycle(on_critical_anomaly="rollback"), id=second, task_queue=tq
        )
        undone: RollbackResult = await ts_env.client.get_workflow_handle(
            f"rollback-{first}", result_type=RollbackResult
        ).result()
        status = await ts_env.client.get_workflow_handle(second).query(OptimizationCycle.status)
    assert result.outcome == "rolled_back_previous" and result.applied == []
    assert status.rollback == first and any(a.startswith("[critical] cpa_spike") for a in status.anomalies)
    assert undone.outcome == "rolled_back" and undone.restored >= 1
    assert await _budgets(base) == before  # every budget the first cycle moved is back
