"""Connector benchmark: this client against two common baselines, side by side, one run.

Against the simulator over a real socket: per-advertiser limit 10 calls/s and 600/min,
about 20 % transient faults (10 % HTTP 503, 10 % code 50000), 8 concurrent callers
issuing N mixed management reads (campaign/ad group/ad get) across 5 advertisers.

Rows:
- ``ttads``: this project's TikTokClient as a worker runs it (proactive sliding-window
  throttle, tenacity retries of transient errors and 40100 in process, circuit breaker),
  with Temporal's activity retries played by the driver: a call that gives up with a
  retryable error is run again after its ``retry_after`` while the caller moves on;
- ``retry-429``: a plain httpx loop with tenacity retrying HTTP 429 only (TikTok answers
  throttling with HTTP 200 + code 40100, so this retries nothing);
- ``retry-all``: the same retrying any error, 40100 included, with exponential backoff
  and no proactive limit (what most scripts ship).

Columns: ``sustained`` = requests TikTok received per second, while 10 % to 90 % of the
calls completed, over the configured aggregate limit (5 x 10/s; goal >= 0.97 without
exceeding it); ``overall`` = the same over the whole run including the drain of the last
retries; ``40100`` = throttling
answers seen (goal 0), ``lost`` = logical calls that ended in an error (goal 0), and
p50/p99 latency of a logical call including its retries and waits. Ratios are measured in
one run on the same machine; never use these numbers as assertions.

    .venv/bin/python bench/connector_throughput.py [--calls 3000] [--callers 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector import TikTokClient
from connector.client import RetrySettings
from connector.limits import FamilyLimit, RateLimits
from connector.tokens import StaticTokens
from simulator import SimulatorServer, demo_scenario
from simulator.scenario import AdvertiserSpec, FaultRule, FaultsSpec, LimitsSpec, Scenario, TokenSpec
from simulator.scenario import FamilyLimit as SimFamilyLimit

ADVERTISERS = [f"70000000000000001{i:02d}" for i in range(5)]
TOKEN = "bench-token"
QPS, QPM = 10, 600
PATHS = ("campaign/get/", "adgroup/get/", "ad/get/")


def scenario() -> Scenario:
    base = demo_scenario()
    template = base.advertisers[0]
    advertisers = [
        AdvertiserSpec(**{**template.model_dump(), "advertiser_id": a, "name": f"Bench {i}", "campaigns": []})
        for i, a in enumerate(ADVERTISERS)
    ]
    return base.model_copy(
        update={
            "advertisers": advertisers,
            "access_tokens": [
                TokenSpec(access_token=TOKEN, app_id=base.apps[0].app_id, advertiser_ids=ADVERTISERS)
            ],
            "auth_codes": [],
            "limits": LimitsSpec(default=SimFamilyLimit(advertiser_qps=QPS, advertiser_qpm=QPM)),
            "faults": FaultsSpec(
                seed=11,
                rules=[
                    FaultRule(kind="http_error", http_status=503, probability=0.10),
                    FaultRule(kind="error_code", code=50000, probability=0.10),
                ],
            ),
        }
    )


@dataclass
class Row:
    name: str
    seconds: float
    sent: int
    throttled: int
    lost: int
    latencies: list[float]
    sustained: float  # requests/s TikTok received while 10 % .. 90 % of the calls completed

    def line(self, limit: float) -> str:
        p50 = statistics.median(self.latencies) if self.latencies else float("nan")
        p99 = statistics.quantiles(self.latencies, n=100)[98] if len(self.latencies) > 1 else float("nan")
        return (
            f"{self.name:<10} {self.sustained / limit:>10.3f} {self.sent / self.seconds / limit:>10.3f} "
            f"{self.throttled:>7} {self.lost:>6} {p50 * 1000:>9.0f} {p99 * 1000:>9.0f} {self.seconds:>8.1f}"
        )


class Sampler:
    """Samples the simulator's request counter every 0.5 s, and when calls complete."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.samples: list[tuple[float, int]] = []
        self.done_at: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async with httpx.AsyncClient(base_url=f"{self.server.base_url}/sim/") as admin:
            while True:
                total = (await admin.get("stats")).json()["requests_total"]
                self.samples.append((time.perf_counter(), total))
                await asyncio.sleep(0.5)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def sustained(self) -> float:
        """Requests/s between the moments 10 % and 90 % of the calls had completed."""
        if len(self.done_at) < 10 or len(self.samples) < 2:
            return float("nan")
        done = sorted(self.done_at)
        t0, t1 = done[len(done) // 10], done[len(done) * 9 // 10]

        def count_at(t: float) -> float:
            before = [s for s in self.samples if s[0] <= t] or self.samples[:1]
            after = [s for s in self.samples if s[0] >= t] or self.samples[-1:]
            (ta, ca), (tb, cb) = before[-1], after[0]
            return ca if tb == ta else ca + (cb - ca) * (t - ta) / (tb - ta)

        return (count_at(t1) - count_at(t0)) / (t1 - t0) if t1 > t0 else float("nan")


class ApiError(Exception):
    def __init__(self, code: int, status: int) -> None:
        super().__init__(f"code={code} http={status}")
        self.code, self.status = code, status


async def plain_call(http: httpx.AsyncClient, path: str, advertiser: str) -> Any:
    r = await http.get(path, params={"advertiser_id": advertiser}, headers={"Access-Token": TOKEN})
    if r.status_code != 200:
        raise ApiError(0, r.status_code)
    body = r.json()
    if body["code"] != 0:
        raise ApiError(body["code"], 200)
    return body["data"]


def baseline(retry_on: str) -> Any:
    def should_retry(exc: BaseException) -> bool:
        if retry_on == "429":
            return isinstance(exc, ApiError) and exc.status == 429
        return isinstance(exc, (ApiError, httpx.TransportError))

    async def call(http: httpx.AsyncClient, path: str, advertiser: str) -> Any:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(should_retry),
            wait=wait_random_exponential(multiplier=1, max=64),
            stop=stop_after_attempt(8),
            reraise=True,
        ):
            with attempt:
                return await plain_call(http, path, advertiser)

    return call


async def drive(
    calls: int, callers: int, one_call: Any, sampler: Sampler, *, temporal_retries: int = 0
) -> tuple[float, int, list[float]]:
    """Run ``calls`` jobs on ``callers`` concurrent callers.

    ``temporal_retries`` > 0 plays Temporal's part for the worker's client: a call that ends
    in a *retryable* error is scheduled again after its ``retry_after`` (the activity's
    ``next_retry_delay``), up to that many times, while the caller moves on, exactly as a
    worker slot is freed while Temporal waits to retry an activity.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, str, int, float]] = asyncio.Queue()
    for i in range(calls):
        queue.put_nowait((PATHS[i % 3], ADVERTISERS[i % len(ADVERTISERS)], 0, 0.0))
    latencies: list[float] = []
    lost = 0
    waiting = 0  # jobs scheduled for a later retry

    def later(job: tuple[str, str, int, float]) -> None:
        nonlocal waiting
        waiting -= 1
        queue.put_nowait(job)

    async def worker() -> None:
        nonlocal lost, waiting
        while not queue.empty() or waiting:
            try:
                path, advertiser, retries, first = await asyncio.wait_for(queue.get(), timeout=0.05)
            except TimeoutError:
                continue
            started = first or time.perf_counter()
            try:
                await one_call(path, advertiser)
                latencies.append(time.perf_counter() - started)
                sampler.done_at.append(time.perf_counter())
            except Exception as exc:
                if getattr(exc, "retryable", False) and retries < temporal_retries:
                    waiting += 1
                    delay = getattr(exc, "retry_after", None) or 1.0
                    loop.call_later(delay, later, (path, advertiser, retries + 1, started))
                else:
                    lost += 1
                    sampler.done_at.append(time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(callers)))
    return time.perf_counter() - started, lost, latencies


async def run_row(name: str, server: SimulatorServer, calls: int, callers: int) -> Row:
    async with httpx.AsyncClient(base_url=f"{server.base_url}/sim/") as admin:
        (await admin.post("scenario", json=json.loads(scenario().model_dump_json()))).raise_for_status()
    sampler = Sampler(server)
    sampler.start()
    if name == "ttads":
        # The simulator's app tier (50/s, 3,000/min) binds no sooner than the advertisers' own.
        app = {"app_qps": 50, "app_qpm": 3000}
        limits = RateLimits(default=FamilyLimit(advertiser_qps=QPS, advertiser_qpm=QPM, **app))
        # The worker's settings (5 attempts in process, waits over 8 s handed to Temporal);
        # drive() re-runs what Temporal would retry (TIKTOK_RETRY: 10 attempts).
        client = TikTokClient(
            server.base_url,
            limits=limits,
            tokens=StaticTokens(dict.fromkeys(ADVERTISERS, TOKEN)),
            retry=RetrySettings(),
        )

        async def ours(path: str, advertiser: str) -> Any:
            return await client.get(path, params={"advertiser_id": advertiser})

        try:
            seconds, lost, latencies = await drive(calls, callers, ours, sampler, temporal_retries=9)
        finally:
            await client.aclose()
        st = client.metrics.stats
        print(
            f"  (ttads: errors by class {dict(st.errors)}, in-process retries {st.retries}, "
            f"throttle waits {st.throttle_waits} totalling {st.throttle_wait_seconds:.0f} s)",
            file=sys.stderr,
        )
    else:
        call = baseline("429" if name == "retry-429" else "all")
        async with httpx.AsyncClient(base_url=server.api_url, timeout=30) as http:
            seconds, lost, latencies = await drive(calls, callers, lambda p, a: call(http, p, a), sampler)
    await sampler.stop()
    async with httpx.AsyncClient(base_url=f"{server.base_url}/sim/") as admin:
        stats = (await admin.get("stats")).json()
    return Row(
        name, seconds, stats["requests_total"], stats["throttled_total"], lost, latencies, sampler.sustained()
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--callers", type=int, default=8)
    args = parser.parse_args()
    limit = QPS * len(ADVERTISERS)
    print(
        f"{args.calls} calls, {args.callers} callers, {len(ADVERTISERS)} advertisers, "
        f"limit {QPS}/s and {QPM}/min per advertiser (aggregate {limit}/s), ~20 % transient faults"
    )
    header = ("client", "sustained", "overall", "40100", "lost", "p50 ms", "p99 ms", "wall s")
    print("{:<10} {:>10} {:>10} {:>7} {:>6} {:>9} {:>9} {:>8}".format(*header))
    with SimulatorServer(scenario=scenario(), port=0) as server:
        for name in ("ttads", "retry-429", "retry-all"):
            row = await run_row(name, server, args.calls, args.callers)
            print(row.line(limit), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
