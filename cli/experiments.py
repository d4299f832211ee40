"""``starter.py experiments ...``: register A/B tests and bandits on ad groups or ads, see
how they stand, stop them. Cycles read the running ones: an A/B test's arms are left alone,
a bandit's budgets are moved by its policy, and each cycle records its look."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Annotated

import numpy as np
import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from cli.common import EXIT_BAD_INPUT, console, err, open_store
from models.errors import InvalidInput
from models.experiments import ExperimentSpec
from models.tables import ExperimentRow
from models.workflows import describe_validation_error

experiments_app = typer.Typer(help="Experiments (A/B tests and bandits) the optimization cycle honours.")


def _ids(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@experiments_app.command("register")
def register(
    advertiser: Annotated[str, typer.Option(help="TikTok advertiser id")],
    name: Annotated[str, typer.Option(help="a name unique for the advertiser")],
    adgroups: Annotated[str | None, typer.Option(help="comma-separated ad group ids (the arms)")] = None,
    ads: Annotated[
        str | None, typer.Option(help="comma-separated ad ids (the arms), for a creative test")
    ] = None,
    kind: Annotated[str, typer.Option(help="ab (fixed split) or bandit")] = "ab",
    policy: Annotated[
        str, typer.Option(help="a bandit's: thompson (default), ucb or epsilon_greedy")
    ] = "split",
    target_cpa: Annotated[
        float | None, typer.Option(help="baseline CPA (default: the account's, 7 days)")
    ] = None,
    mde: Annotated[float, typer.Option(help="minimum detectable effect (relative lift)")] = 0.2,
    power: Annotated[float, typer.Option(help="chance to find a lift of --mde")] = 0.8,
    alpha: Annotated[float, typer.Option(help="chance of a false winner")] = 0.05,
    actor: Annotated[str, typer.Option("--as", help="who registers it")] = "operator",
) -> None:
    """Register an experiment; prints the sample it needs and the days that takes."""
    from optimizer.experiments import sample_plan
    from store import experiments, reports

    try:
        spec = ExperimentSpec(
            advertiser_id=advertiser,
            name=name,
            kind=kind,
            policy="thompson" if kind == "bandit" and policy == "split" else policy,
            entity_type="ad" if ads else "adgroup",
            arms=_ids(ads) or _ids(adgroups),
            target_cpa=target_cpa,
            mde=mde,
            power=power,
            alpha=alpha,
            actor=actor,
        )
    except ValidationError as exc:
        err.print(Text(f"experiment refused: {describe_validation_error(exc)}"))
        raise typer.Exit(EXIT_BAD_INPUT) from None

    async def go() -> str:
        async with open_store() as store, store.session() as session:
            day = await reports.latest_day(session, advertiser) or datetime.now(UTC).date()
            baseline = spec.target_cpa
            if baseline is None:
                rows = await reports.ad_days(session, advertiser, day - timedelta(days=6), day)
                spend, conversions = sum(r.spend for r in rows), sum(r.conversions for r in rows)
                if not conversions:
                    raise InvalidInput(
                        "target_cpa: no conversions in the last 7 days to take it from; give --target-cpa"
                    )
                baseline = spend / conversions
            budget = await experiments.arms_budget(session, spec.entity_type, spec.arms)
            plan = sample_plan(
                baseline_cpa=baseline,
                mde=spec.mde,
                power=spec.power,
                alpha=spec.alpha,
                arms=len(spec.arms),
                daily_budget=budget,
            )
            row = ExperimentRow(
                experiment_id=f"{advertiser}:{spec.name}",
                advertiser_id=advertiser,
                name=spec.name,
                kind=spec.kind,
                policy=spec.policy,
                entity_type=spec.entity_type,
                arms=spec.arms,
                baseline_cpa=round(baseline, 4),
                mde=spec.mde,
                power=spec.power,
                alpha=spec.alpha,
                planned_conversions=plan.conversions_per_arm,
                planned_days=plan.days,
                start_day=f"{day:%Y-%m-%d}",
                created_by=spec.actor,
            )
            await experiments.register(session, row)
            what = f"{spec.kind}, {len(spec.arms)} arms, baseline CPA {baseline:.2f}"
            return f"registered {row.experiment_id} ({what}): needs {plan.line()}"

    try:
        console.print(Text(asyncio.run(go())))
    except InvalidInput as exc:
        err.print(Text(f"experiment refused: {exc.message}"))
        raise typer.Exit(EXIT_BAD_INPUT) from None


@experiments_app.command("list")
def list_experiments(
    advertiser: Annotated[str | None, typer.Option(help="only this advertiser")] = None,
) -> None:
    """Every experiment with its status and its last look."""
    from store import experiments

    async def go() -> list[ExperimentRow]:
        async with open_store() as store, store.session() as session:
            return await experiments.listed(session, advertiser)

    table = Table("experiment", "kind", "arms", "status", "planned", "last look")
    for row in asyncio.run(go()):
        kind = row.kind if row.kind == "ab" else f"bandit/{row.policy}"
        planned = f"{row.planned_conversions} conv/arm, {row.planned_days:g} d"
        table.add_row(
            row.experiment_id,
            kind,
            str(len(row.arms)),
            row.status,
            planned,
            (row.result or {}).get("line", "-"),
        )
    console.print(table)


@experiments_app.command("show")
def show(experiment_id: Annotated[str, typer.Argument(help="ADVERTISER:NAME")]) -> None:
    """How an experiment stands now, from the numbers the last cycle pulled (an ended one:
    its last look)."""
    from activities.account import load_account
    from models.optimization import CycleSettings
    from optimizer.experiments import evaluate
    from store import reports

    async def go() -> list[str]:
        async with open_store() as store:
            async with store.session() as session:
                row = await session.get(ExperimentRow, experiment_id)
                if row is None:
                    raise InvalidInput(
                        f"experiment_id: no experiment {experiment_id!r} (starter.py experiments list)"
                    )
                day = await reports.latest_day(session, row.advertiser_id) or datetime.now(UTC).date()
            head = (
                f"{row.experiment_id}: {row.status}; planned {row.planned_conversions} conversions per arm "
                f"(mde {row.mde:.0%}, power {row.power:.0%}, alpha {row.alpha:g}) "
                f"or {row.planned_days:g} days; since {row.start_day}"
            )
            if row.status != "running":
                return [
                    head,
                    "  ended: " + str((row.result or {}).get("line", "stopped by " + str(row.ended_by))),
                ]
            account, _ = await load_account(
                store, row.advertiser_id, datetime.combine(day, time(23)), CycleSettings()
            )
        state = next(e for e in account.experiments if e.experiment_id == experiment_id)
        look = evaluate(state, np.random.default_rng(0))
        lines = [head]
        for arm in state.arms:
            lines.append(
                f"  {arm.name or arm.arm_id}: spend {arm.spend:.2f}, {arm.conversions:g} conversions, "
                f"P(best) {look.p_best[arm.arm_id]:.1%}, expected loss {look.expected_loss[arm.arm_id]:.2%}"
            )
        lines.append("  now: " + look.line(state))
        return lines

    try:
        for line in asyncio.run(go()):
            console.print(Text(line))
    except InvalidInput as exc:
        err.print(Text(exc.message))
        raise typer.Exit(EXIT_BAD_INPUT) from None


@experiments_app.command("stop")
def stop(
    experiment_id: Annotated[str, typer.Argument(help="ADVERTISER:NAME")],
    actor: Annotated[str, typer.Option("--as", help="who stops it")] = "operator",
) -> None:
    """End a running experiment now: its arms go back to the cycle's allocation."""
    from store import experiments

    async def go() -> bool:
        async with open_store() as store, store.session() as session:
            done = await experiments.conclude(session, experiment_id, "stopped", None, by=actor)
            return done

    if not asyncio.run(go()):
        err.print(Text(f"{experiment_id}: no running experiment of that id"))
        raise typer.Exit(EXIT_BAD_INPUT)
    console.print(Text(f"stopped {experiment_id}"))
