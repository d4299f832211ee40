"""The worker: registers every workflow and activity on the ``tiktok-ads`` task queue.

Uses the pydantic data converter, the OpenTelemetry tracing interceptor and Prometheus
metrics from the Temporal runtime; stops gracefully on SIGTERM/SIGINT (running activities
get the graceful-shutdown timeout to finish).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from activities.context import Dependencies
from activities.creatives import CreativeActivities
from activities.launch import LaunchActivities
from activities.sync import SyncActivities
from activities.tokens import TokenActivities
from connector import redact
from settings import Settings, get_settings
from temporal_client import connect, metrics_runtime
from workflows.catalog import all_workflow_classes

log = logging.getLogger("worker")


def activities_for(deps: Dependencies) -> list[object]:
    """Every activity of the service, bound to one process's dependencies."""
    return [
        *SyncActivities(deps).all(),
        *TokenActivities(deps.tokens, deps.tiktok).all(),
        *LaunchActivities(deps).all(),
        *CreativeActivities(deps).all(),
    ]


def build_worker(client: Client, deps: Dependencies, task_queue: str) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=all_workflow_classes(),
        activities=activities_for(deps),  # type: ignore[arg-type]
        graceful_shutdown_timeout=timedelta(seconds=20),
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
    log.info(
        "worker on task queue %s at %s; metrics on http://%s:%s/metrics",
        settings.task_queue,
        settings.temporal_address,
        settings.metrics_host,
        settings.metrics_port,
    )
    try:
        async with worker:
            await stop.wait()
            log.info("stopping worker")
    finally:
        await deps.aclose()


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    redact.install()
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
