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

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from activities.context import Dependencies
from activities.creatives import CreativeActivities
from activities.launch import LaunchActivities
from activities.sync import SyncActivities
from activities.tokens import TokenActivities
from connector import redact
from settings import Settings, get_settings
from workflows.catalog import all_workflow_classes
from workflows.common import SEARCH_ATTRIBUTE_KEYS

log = logging.getLogger("worker")

_runtimes: dict[str, Runtime] = {}


def metrics_runtime(bind_address: str) -> Runtime:
    """One Temporal runtime per metrics address (each runtime owns threads: reuse them)."""
    if bind_address not in _runtimes:
        _runtimes[bind_address] = Runtime(
            telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address))
        )
    return _runtimes[bind_address]


async def connect(settings: Settings, *, metrics: bool = False) -> Client:
    """A client with this project's converter and tracing; ``metrics`` serves Prometheus."""
    runtime = metrics_runtime(f"{settings.metrics_host}:{settings.metrics_port}") if metrics else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
        runtime=runtime,
    )


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register the project's Keyword search attributes that the namespace lacks; returns those added."""
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes) | set(existing.system_attributes)
    except RPCError as exc:  # the time-skipping test server cannot list, only add
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = [key.name for key in SEARCH_ATTRIBUTE_KEYS if key.name not in known]
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace,
                search_attributes={name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for name in missing},
            )
        )
    return missing


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
