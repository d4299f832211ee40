"""The four policies the quality benchmark compares, each acting through the connector over
HTTP once per cycle:

- ``ours``: the cycle's own activities (``pull_reports``, ``decide_changes`` and the entity
  operations), exactly as ``OptimizationCycle`` runs them, with every gated move approved;
- ``oracle``: from ``/sim/truth``, budget to the ad groups with the lowest true CPA first, up
  to what each can absorb, the rest paused; same total budget and guardrails, no exploration;
- ``static``: changes nothing;
- ``rules``: TikTok automated-rules style, once a day: pause an ad group whose 3-day CPA is
  above 1.5x the target with spend above 2x the target; +20 % budget when below 0.8x.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.entities import EntityActivities
from activities.optimization import CycleActivities
from bench.harness import POLICY, Run
from connector.reports import integrated_report
from models.moves import batches
from models.optimization import CycleSettings, DecideInput, Move, ReportPullInput

Policy = Callable[[Run, int], Awaitable[None]]


async def ours(run: Run, cycle: int) -> None:
    env = ActivityEnvironment()
    cycles, entities = CycleActivities(run.deps), EntityActivities(run.deps)
    adv = run.advertiser_id
    pull = await env.run(cycles.pull_reports, ReportPullInput(advertiser_id=adv))
    settings = CycleSettings.model_validate(
        {
            "target_cpa": run.target_cpa,
            "monthly_budget": run.monthly_budget,
            "max_changes_per_day": 10_000,
            **run.settings,
        }
    )
    plan = await env.run(cycles.decide_changes, DecideInput(pull=pull, settings=settings, seed=cycle))
    await apply(run, env, entities, plan.moves, f"ours/{cycle}")


async def apply(
    run: Run, env: ActivityEnvironment, ops: EntityActivities, moves: list[Move], key: str
) -> None:
    """The cycle's own batches (``models.moves``), run on the entity operations directly."""
    operations = {
        "set_status": ops.set_status,
        "update_budgets": ops.update_budgets,
        "update_bids": ops.update_bids,
    }
    for batch in batches(moves, advertiser_id=run.advertiser_id, key=key, actor="optimizer"):
        await env.run(operations[batch.operation], batch.request)
    run.changes += len(moves)


async def static(run: Run, cycle: int) -> None:
    return None


async def oracle(run: Run, cycle: int) -> None:
    truth = (await run.truth())["adgroups"]
    groups = [g for g in await run.adgroups() if g.get("budget_mode") == "BUDGET_MODE_DAY"]
    total = run.oracle_total
    ranked = sorted(
        (g for g in groups if truth[g["adgroup_id"]]["true_cpa"]),
        key=lambda g: truth[g["adgroup_id"]]["true_cpa"],
    )
    plan: dict[str, float] = {}
    left = total
    for g in ranked:
        if left < POLICY.min_adgroup_budget:
            break
        room = truth[g["adgroup_id"]]["capacity_per_day"]
        give = min(left, max(room, POLICY.min_adgroup_budget))
        plan[g["adgroup_id"]] = round(give, 2)
        left -= give
    moves: list[Move] = []
    for g in groups:
        gid, live = g["adgroup_id"], g["operation_status"] == "ENABLE"
        if gid in plan:
            if not live:
                moves.append(Move.status("resume", "adgroup", gid, "", "oracle", "best"))
            if abs(float(g["budget"]) - plan[gid]) >= 0.01:
                moves.append(Move.budget(gid, "", float(g["budget"]), plan[gid], "oracle", "best first"))
        elif live:
            moves.append(Move.status("pause", "adgroup", gid, "", "oracle", "worse"))
    await apply(run, ActivityEnvironment(), EntityActivities(run.deps), moves, f"oracle/{cycle}")


async def rules(run: Run, cycle: int) -> None:
    now = await run.now()
    if now.hour != run.first_hour:  # automated rules run once a day
        return
    last = (now - timedelta(hours=1)).date()
    rows = await integrated_report(
        run.deps.tiktok, run.advertiser_id, data_level="AUCTION_ADGROUP", dimensions=["adgroup_id"],
        metrics=["spend", "conversion"], start=last - timedelta(days=2), end=last,
    )  # fmt: skip
    stats: dict[str, Any] = {r.dimensions["adgroup_id"]: r.metrics for r in rows}
    target = run.target_cpa
    moves: list[Move] = []
    for g in await run.adgroups():
        m = stats.get(g["adgroup_id"])
        if g["operation_status"] != "ENABLE" or not m:
            continue
        spend, conv = float(m.get("spend") or 0), float(m.get("conversion") or 0)
        cpa = spend / conv if conv else float("inf")
        if cpa > 1.5 * target and spend > 2 * target:
            moves.append(Move.status("pause", "adgroup", g["adgroup_id"], "", "rule", "3-day CPA above 1.5x"))
        elif cpa < 0.8 * target:
            budget = float(g["budget"])
            moves.append(
                Move.budget(g["adgroup_id"], "", budget, round(budget * 1.2, 2), "rule", "CPA below 0.8x")
            )
    await apply(run, ActivityEnvironment(), EntityActivities(run.deps), moves, f"rules/{cycle}")


POLICIES: dict[str, Policy] = {"ours": ours, "oracle": oracle, "static": static, "rules": rules}
