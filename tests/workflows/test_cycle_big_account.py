"""A big account's cycle keeps its history small: report rows stay in the store, moves are
capped per cycle, each appears in history once as a decision and once as a change, and
the cycle costs a handful of Temporal actions however many ad groups the account has."""

from __future__ import annotations

import uuid
from typing import Any

from temporalio.testing import WorkflowEnvironment

from bench.cycle_cost import billable_actions, history_bytes
from bench.scenarios.generate import TOKEN, big_accounts
from models.optimization import CycleResult, OptimizationCycleInput
from simulator import SimulatorServer
from simulator.scenario import Scenario
from store import Store, TokenCipher
from store.access import assign_advertiser, grant
from tests.connector.sim import advance
from tests.workflows.helpers import connect_advertiser, running_worker
from workflows.optimization_cycle import OptimizationCycle

ADGROUPS, ADS, MAX_MOVES = 400, 1200, 150


async def test_big_account_cycle_keeps_history_small(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher
) -> None:
    body = big_accounts(1, 40, ADGROUPS, ADS, seed=11)
    adv = body["advertisers"][0]["advertiser_id"] = "7100000000000009001"
    body["access_tokens"][0]["advertiser_ids"] = [adv]
    body["limits"] = {"default": {}}
    with SimulatorServer(Scenario.model_validate(body), port=0) as sim:
        await advance(sim.base_url, 2 * 24 + 10)
        await connect_advertiser(store, cipher, adv, TOKEN)
        async with store.session() as s:
            await assign_advertiser(s, adv, "big", monthly_budget=50.0 * ADGROUPS * 31)
            await grant(s, "alice", "big", "Approver")
        settings: dict[str, Any] = {"target_cpa": 40, "max_moves": MAX_MOVES, "approval_move": 1.0}
        settings["approve_adgroup_pauses"] = False
        async with running_worker(
            ts_env.client, store, cipher, sim.base_url, tiktok_clock_url=f"{sim.base_url}/sim/clock"
        ) as tq:
            handle = await ts_env.client.start_workflow(
                OptimizationCycle.run,
                OptimizationCycleInput.model_validate({"advertiser_id": adv, "settings": settings}),
                id=f"optimize-{adv}-{uuid.uuid4().hex[:6]}",
                task_queue=tq,
            )
            result: CycleResult = await handle.result()
            history = await handle.fetch_history()
    pulled = next(
        e.activity_task_completed_event_attributes.result
        for e in history.events
        if e.HasField("activity_task_completed_event_attributes")
    )
    assert result.outcome == "applied" and 0 < len(result.applied) <= MAX_MOVES, result.notes
    size = history_bytes(history)
    # each move: its decision (inputs, reason), its request line and its change record
    assert size <= 40_000 + 2_000 * len(result.applied), (size, len(result.applied))
    assert pulled.ByteSize() < 2_000  # the pull's result: counts and the window, no rows
    biggest = max(e.ByteSize() for e in history.events)
    assert biggest < 512 * 1024, biggest  # under Temporal's payload warning
    actions = billable_actions(history)
    assert sum(actions.values()) <= 20, actions  # no activity per ad group
