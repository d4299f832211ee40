"""What the optimizer decides from, read from the store: the mirror of campaigns, ad groups
and ads, the pulled report rows weighed by age, the month's spend, what the cycle paused
itself, and how many changes it made today. The cycle's ``decide_changes`` and the what-if
command read the same account."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from models.optimization import CycleSettings
from models.tables import AdGroupRow, AdRow, CampaignRow, ExperimentRow
from optimizer import Account, AdGroupState, AdState, CampaignState
from optimizer.evidence import AdEvidence, DayRow, evidence
from optimizer.experiments import ArmNumbers, ExperimentState
from store import Store, access, experiments, priors, reports
from store.changes import changes_for

APPROVER_ROLES = ("Approver", "Admin")


async def load_account(
    store: Store,
    adv: str,
    as_of: datetime,
    settings: CycleSettings,
    actor: str = "optimizer",
    cycle: str | None = None,
) -> tuple[Account, list[str]]:
    """The advertiser as the optimizer sees it at ``as_of`` (TikTok's time), from the mirror
    and the stored report rows; and who may approve its moves. ``cycle``: the deciding
    cycle's id (experiments it ended itself still count, for a retried decision)."""
    today = as_of.date()
    first = today - timedelta(days=6)
    async with store.session() as session:
        campaigns = (await session.execute(_rows(CampaignRow, adv))).scalars().all()
        groups = (await session.execute(_rows(AdGroupRow, adv))).scalars().all()
        ads = (await session.execute(_rows(AdRow, adv))).scalars().all()
        rows = await reports.ad_days(session, adv, first, today)
        month = await reports.advertiser_spend(session, adv, today.replace(day=1), today - timedelta(days=1))
        monthly = settings.monthly_budget or await access.monthly_budget(session, adv)
        mine = await changes_for(session, adv, since=datetime.now(UTC) - timedelta(days=30))
        approvers = await access.users_with_roles(session, adv, APPROVER_ROLES)
        fit = await priors.latest(session, adv)  # the latest PriorFit; a cycle never waits for one
        tests = [
            (row, await experiments.arm_totals(session, row, today))
            for row in await experiments.running(session, adv, cycle)
        ]
    start_of_day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    latest: dict[str, Any] = {}
    changes_today = 0
    for row in mine:
        latest[row.entity_id] = row
        if row.actor == actor and row.created_at.replace(tzinfo=UTC) >= start_of_day:
            changes_today += 1
    paused_by_us = {
        i
        for i, row in latest.items()
        if row.actor == actor and (row.after or {}).get("operation_status") == "DISABLE"
    }
    numbers = evidence(
        (DayRow(r.object_id, date.fromisoformat(r.stat_time[:10]), r.spend, r.impressions, r.clicks,
                r.conversions) for r in rows),
        today,
        settings.half_life_days,
    )  # fmt: skip
    by_group: dict[str, list[tuple[AdState, AdEvidence]]] = defaultdict(list)
    for a in ads:
        e = numbers.get(a.ad_id, AdEvidence())
        ad = AdState(
            a.ad_id, a.adgroup_id, name=a.name, live=a.operation_status == "ENABLE",
            impressions=e.impressions, clicks=e.clicks, conversions=e.conversions, spend=e.spend,
            recent_ctr=e.recent_ctr, earlier_ctr=e.earlier_ctr,
            weighted_spend=e.weighted_spend, weighted_conversions=e.weighted_conversions,
        )  # fmt: skip
        by_group[a.adgroup_id].append((ad, e))
    states = [_adgroup(g, by_group.get(g.adgroup_id, []), g.adgroup_id in paused_by_us) for g in groups]
    account = Account(
        adv,
        campaigns=tuple(
            CampaignState(
                c.campaign_id, c.name, c.operation_status == "ENABLE", c.budget_mode or "", c.budget
            )
            for c in campaigns
        ),
        adgroups=tuple(states),
        monthly_budget=monthly,
        month_spend=month,
        day_of_month=today.day,
        days_in_month=calendar.monthrange(today.year, today.month)[1],
        day_elapsed=as_of.hour / 24,
        changes_today=changes_today,
        experiments=tuple(experiment_state(row, totals, groups, ads, as_of) for row, totals in tests),
        priors={c: (p[0], p[1]) for c, p in fit.campaigns.items()} if fit else {},
        account_prior=(fit.advertiser[0], fit.advertiser[1]) if fit and len(fit.advertiser) == 2 else None,
        priors_note=f"priors: hierarchical fit of the days to {fit.through_day} ({fit.summary})"
        if fit
        else "",
    )
    return account, approvers


def experiment_state(
    row: ExperimentRow,
    totals: dict[str, tuple[float, float]],
    groups: Sequence[AdGroupRow],
    ads: Sequence[AdRow],
    as_of: datetime,
) -> ExperimentState:
    """A running experiment with its arms' numbers since it started (TikTok's dates)."""
    names = {g.adgroup_id: (g.name, g.budget) for g in groups} | {a.ad_id: (a.name, None) for a in ads}
    started = datetime.combine(date.fromisoformat(row.start_day), datetime.min.time())
    return ExperimentState(
        experiment_id=row.experiment_id,
        name=row.name,
        kind=row.kind,  # type: ignore[arg-type]
        policy=row.policy,  # type: ignore[arg-type]
        entity_type=row.entity_type,  # type: ignore[arg-type]
        arms=tuple(
            ArmNumbers(
                arm, names.get(arm, (arm, None))[0], *totals[arm], budget=names.get(arm, (arm, None))[1]
            )
            for arm in row.arms
        ),
        baseline_cpa=row.baseline_cpa,
        alpha=row.alpha,
        planned_conversions=row.planned_conversions,
        planned_days=row.planned_days,
        days_running=(as_of - started).total_seconds() / 86400,
    )


def _adgroup(g: AdGroupRow, ads: list[tuple[AdState, AdEvidence]], paused_by_us: bool) -> AdGroupState:
    """An ad group as the optimizer sees it: settings from the mirror, numbers of its ads."""
    return AdGroupState(
        g.adgroup_id, g.campaign_id, name=g.name, enabled=g.operation_status == "ENABLE", budget=g.budget,
        budget_mode=g.budget_mode or "", bid_type=g.bid_type, conversion_bid_price=g.conversion_bid_price,
        spend=sum(e.spend for _, e in ads), conversions=sum(e.conversions for _, e in ads),
        clicks=sum(e.clicks for _, e in ads), impressions=sum(e.impressions for _, e in ads),
        spend_today=sum(e.spend_today for _, e in ads),
        days_with_spend=max((e.days_with_spend for _, e in ads), default=0),
        idle_days=min((e.idle_days for _, e in ads if e.idle_days is not None), default=None),
        weighted_spend=sum(e.weighted_spend for _, e in ads),
        weighted_conversions=sum(e.weighted_conversions for _, e in ads),
        paused_by_optimizer=paused_by_us, ads=tuple(a for a, _ in ads),
    )  # fmt: skip


def _rows(table: Any, advertiser_id: str) -> Any:
    return select(table).where(col(table.advertiser_id) == advertiser_id).order_by(col(table.name))
