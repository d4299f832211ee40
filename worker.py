"""The worker: registers every workflow and activity on the ``tiktok-ads`` task queue.

Uses the pydantic data converter, the OpenTelemetry tracing interceptor and Prometheus
metrics from the Temporal runtime; stops gracefully on SIGTERM/SIGINT (running activities
get the graceful-shutdown timeout to finish).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.alerts import AlertActivities
from activities.anomalies import AnomalyActivities
from activities.context import Dependencies
from activities.conversions import ConversionActivities
from activities.creative_ingest import CreativeIngestActivities
from activities.creatives import CreativeActivities
from activities.daily_report import DailyReportActivities
from activities.entities import EntityActivities
from activities.interfaces import INTERFACES
from activities.launch import LaunchActivities
from activities.liveness import Liveness
from activities.optimization import CycleActivities
from activities.priors import PriorActivities
from activities.privacy import PrivacyActivities
from activities.recovery import RecoveryActivities
from activities.rollback import RollbackActivities
from activities.sync import SyncActivities
from activities.tokens import TokenActivities
from alerts.dispatch import morning_round
from observability import logs
from schedules import ensure_retention_schedule
from settings import Settings, get_settings
from temporal_client import connect, metrics_runtime
from workflows.catalog import all_workflow_classes, workflow_runner

log = logging.getLogger("worker")


def activities_for(deps: Dependencies, client: Client) -> list[Callable[..., Any]]:
    """Every activity of the service, bound to one process's dependencies: each method of
    each interface in ``activities.interfaces``, from the object that implements it."""
    implementations: list[object] = [
        SyncActivities(deps),
        TokenActivities(deps.tokens, deps.tiktok),
        LaunchActivities(deps),
        EntityActivities(deps),
        CreativeActivities(deps),
        RollbackActivities(deps, client),
        CycleActivities(deps),
        PriorActivities(deps),
        RecoveryActivities(deps, client),
        AlertActivities(deps),
        AnomalyActivities(deps),
        ConversionActivities(deps, client),
        PrivacyActivities(deps),
        DailyReportActivities(deps),
        CreativeIngestActivities(deps),
    ]
    out: list[Callable[..., Any]] = []
    for interface in INTERFACES:
        impl = next(i for i in implementations if isinstance(i, interface))
        out += [getattr(impl, name) for name, fn in vars(interface).items() if is_activity(fn)]
    return out


def is_activity(fn: object) -> bool:
    return hasattr(fn, "__temporal_activity_definition")


def build_worker(client: Client, deps: Dependencies, task_queue: str) -> Worker:
    grace = deps.settings.worker_graceful_shutdown_seconds if deps.settings else 150
    return Worker(
        client,
        task_queue=task_queue,
        workflows=all_workflow_classes(),
        workflow_runner=workflow_runner(),
        activities=activities_for(deps, client),
        interceptors=[Liveness()],  # a live activity keeps its heartbeat timeout from tripping
        graceful_shutdown_timeout=timedelta(seconds=grace),
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set or SIGTERM/SIGINT arrives; then shut down cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    client = await connect(settings, metrics=True)
    runtime = metrics_runtime(f"{settings.metrics_host}:{settings.metrics_port}")
    deps = Dependencies.build(settings, meter=runtime.metric_meter)
    await deps.store.migrate()
    worker = build_worker(client, deps, settings.task_queue)
    await ensure_retention_schedule(client, settings)
    log.info(
        "worker on task queue %s at %s; metrics on http://%s:%s/metrics",
        settings.task_queue,
        settings.temporal_address,
        settings.metrics_host,
        settings.metrics_port,
    )
    morning = asyncio.create_task(morning_round(deps.store, settings, stop))
    try:
        async with worker:
            await stop.wait()
            log.info("stopping worker")
    finally:
        await morning
        await deps.aclose()


def main() -> None:
    settings = get_settings()
    logs.configure(settings)
    asyncio.run(run_worker(settings))
    # Leave without interpreter teardown, which the Temporal runtime's threads can abort
    # (temporalio/sdk-python#300): a clean stop must exit 0, not SIGABRT.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
