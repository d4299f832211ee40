"""The activity of ``PriorFit``: read each ad group's totals from the store, fit the
hierarchical model in a process of its own (pymc compiles and samples for tens of seconds:
in the worker's process that would hold the GIL the workflow tasks need), save the priors."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta

from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import PriorOperations
from models.priors import PriorFitInput, PriorFitResult
from optimizer.priors import fit
from store import priors, reports

HEARTBEAT_EVERY = 10.0


class PriorActivities(PriorOperations):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    @activity.defn
    async def fit_priors(self, inp: PriorFitInput) -> PriorFitResult:
        adv = inp.advertiser_id
        async with self.deps.store.session() as session:
            last = await reports.latest_day(session, adv)
            totals = (
                []
                if last is None
                else await priors.group_totals(session, adv, last - timedelta(days=inp.days - 1), last)
            )
        spend = sum(t.spend for t in totals)
        conversions = sum(t.conversions for t in totals)
        baseline = inp.target_cpa or (spend / conversions if conversions else None)
        if last is None or baseline is None or sum(1 for t in totals if t.spend > 0) < 2:
            why = (
                "no report rows yet"
                if last is None
                else "fewer than 2 ad groups with spend, or no conversions and no target CPA"
            )
            return PriorFitResult(advertiser_id=adv, outcome="skipped", reason=why)
        began = time.monotonic()
        # spawn, not fork: the worker process runs threads (Temporal's core) a fork would copy mid-state
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            job = asyncio.get_running_loop().run_in_executor(pool, fit, totals, baseline, inp.seed, inp.steps)
            while True:
                done, _ = await asyncio.wait({job}, timeout=HEARTBEAT_EVERY)
                if done:
                    break
                activity.heartbeat(f"fitting {len(totals)} ad groups: {time.monotonic() - began:.0f} s")
            fitted = job.result()
        seconds = time.monotonic() - began
        async with self.deps.store.session() as session:
            await priors.save_fit(session, adv, last, fitted, seconds)
        return PriorFitResult(
            advertiser_id=adv,
            outcome="fitted",
            through_day=f"{last:%Y-%m-%d}",
            groups=fitted.groups,
            campaigns=len(fitted.campaigns),
            seconds=round(seconds, 1),
            summary=fitted.summary,
        )
