"""Audience export at scale: rows/s read, normalised and hashed, rows/s sent to the simulator
through the throttled connector, and peak memory, for 100k and 1M rows side by side.

    .venv/bin/python bench/audience_export.py [--rows 1000000] [--qps 20] [--json]

Each measurement runs in a fresh process so that its peak RSS is its own:
- ``stage``: a CSV (email, phone) staged for STREAMING (hashing, spool), and a CSV of ids
  staged for CUSTOMER_FILE (hashing, files split at 50 MB): hashing speed and memory;
- ``stream``: the staged rows sent as ``segment/mapping/`` batches of 1,000 with 5 senders
  through ``TikTokClient`` limited to ``--qps`` requests per second on the audience family;
  the ratio achieved/configured says whether the API rate (not us) is the bottleneck;
- ``file``: the customer files uploaded and applied.

The simulator runs as its own process (``python -m simulator``). Goal: memory flat from
100k to 1M rows (ratio near 1), sending at the configured rate (ratio near 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiences.source import RowSource  # noqa: E402
from audiences.staging import ROWS_FILE, part_name, stage  # noqa: E402
from audiences.streaming import read_chunks, send_concurrently  # noqa: E402
from connector import TikTokClient  # noqa: E402
from connector import audiences as api  # noqa: E402
from connector.limits import FamilyLimit, RateLimits  # noqa: E402
from models.audiences import AudienceSyncInput  # noqa: E402
from simulator import DEMO_ACCESS_TOKEN, DEMO_ADVERTISER_ID  # noqa: E402

MB = 1024 * 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def write_rows(path: Path, rows: int, header: str) -> None:
    with path.open("w") as out:
        out.write(header + "\n")
        for i in range(rows):
            if header == "id":
                out.write(f"user{i}@example.com\n")
            else:
                out.write(f"user{i}@example.com,+8190{i % 10**8:08d}\n")


def job(mode: str, path: Path) -> AudienceSyncInput:
    if mode == "STREAMING":
        raw = {"api_mode": "STREAMING", "audience_names": "bench", "skip_invalid_record": True}
    else:
        raw = {"audience_name": "bench", "encryption_type": "EMAIL_SHA256", "skip_invalid_record": True}
    return AudienceSyncInput.model_validate(
        {"advertiser_id": DEMO_ADVERTISER_ID, "source": {"path": str(path)}, **raw}
    )


def run_stage(mode: str, source: str, spool: str, queue: Any) -> None:
    sync = job(mode, Path(source))
    assert sync.source is not None
    start = time.perf_counter()
    staged = asyncio.run(
        stage(
            sync,
            RowSource(sync.source),
            Path(spool),
            "bench",
            max_file_bytes=50 * MB,
            max_files=500,
            batch_size=1000,
        )
    )
    queue.put({"seconds": time.perf_counter() - start, "rows": staged.valid, "peak_mb": peak_mb(),
               "files": len(staged.part_bytes), "chunks": staged.chunks})  # fmt: skip


class DemoToken:
    """The simulator's demo token for every advertiser (the bench has no store)."""

    async def access_token(self, advertiser_id: str) -> str:
        return DEMO_ACCESS_TOKEN

    async def refresh_after_rejection(self, advertiser_id: str, rejected_token: str) -> str:
        return DEMO_ACCESS_TOKEN


def client(base: str, qps: int) -> TikTokClient:
    limit = FamilyLimit(advertiser_qps=qps, advertiser_qpm=qps * 60, app_qps=qps, app_qpm=qps * 60)
    limits = RateLimits(families={"audience": limit})
    return TikTokClient(base, limits=limits, app_id="demo-app", tokens=DemoToken())


async def stream(base: str, qps: int, spool: str, threads: int) -> dict[str, Any]:
    async with client(base, qps) as tiktok:
        audience = await api.create_segment(tiktok, DEMO_ADVERTISER_ID, "bench", idempotency_key="bench/seg")
        schema = ["EMAIL_SHA256", "PHONE_SHA256"]
        sent = {"rows": 0, "requests": 0}

        async def send(index: int, rows: list[list[str | None]]) -> None:
            await api.map_segment(
                tiktok, DEMO_ADVERTISER_ID, "add", schema, rows, [audience], idempotency_key=f"b/{index}"
            )
            sent["rows"] += len(rows)
            sent["requests"] += 1

        start = time.perf_counter()
        await send_concurrently(read_chunks(Path(spool) / ROWS_FILE, 1000), send, threads)
        return {"seconds": time.perf_counter() - start, **sent}


async def upload(base: str, qps: int, spool: str, files: int) -> dict[str, Any]:
    async with client(base, qps) as tiktok:
        start = time.perf_counter()
        paths = []
        for index in range(files):
            content = (Path(spool) / part_name(index)).read_bytes()
            name = part_name(index)
            key = f"f/{index}"
            paths.append(
                await api.upload_file(
                    tiktok, DEMO_ADVERTISER_ID, "EMAIL_SHA256", name, content, idempotency_key=key
                )
            )
        await api.create_audience(
            tiktok, DEMO_ADVERTISER_ID, "bench-file", "EMAIL_SHA256", paths, idempotency_key="c"
        )
        return {"seconds": time.perf_counter() - start, "files": files}


def run_send(kind: str, base: str, qps: int, spool: str, extra: int, queue: Any) -> None:
    coro = stream(base, qps, spool, extra) if kind == "stream" else upload(base, qps, spool, extra)
    result = asyncio.run(coro)
    queue.put({**result, "peak_mb": peak_mb()})


def in_process(target: Any, *args: Any) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--qps", type=int, default=20, help="audience-family requests per second allowed")
    parser.add_argument("--threads", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = sorted({max(args.rows // 10, 1000), args.rows})
    out: dict[str, Any] = {"rows": sizes, "qps": args.qps, "stage": {}, "stream": {}, "file": {}}
    port = free_port()
    sim = subprocess.Popen([sys.executable, "-m", "simulator", "--port", str(port)], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/sim/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        httpx.post(f"{base}/sim/limits", json={"default": {"advertiser_qps": 1000, "advertiser_qpm": 100000,
                   "app_qps": 1000, "app_qpm": 100000}}).raise_for_status()  # fmt: skip
        httpx.post(f"{base}/sim/audiences/limits", json={"mapping_batch_max": 1000}).raise_for_status()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for rows in sizes:
                stream_csv, ids_csv = folder / f"s{rows}.csv", folder / f"i{rows}.csv"
                write_rows(stream_csv, rows, "email,phone")
                write_rows(ids_csv, rows, "id")
                s_spool, f_spool = str(folder / f"ss{rows}"), str(folder / f"fs{rows}")
                out["stage"][rows] = {
                    "STREAMING": in_process(run_stage, "STREAMING", str(stream_csv), s_spool),
                    "CUSTOMER_FILE": in_process(run_stage, "CUSTOMER_FILE", str(ids_csv), f_spool),
                }
                out["stream"][rows] = in_process(run_send, "stream", base, args.qps, s_spool, args.threads)
                files = out["stage"][rows]["CUSTOMER_FILE"]["files"]
                out["file"][rows] = in_process(run_send, "file", base, args.qps, f_spool, files)
                for path in (stream_csv, ids_csv):
                    os.remove(path)
    finally:
        sim.terminate()
        sim.wait(10)
    report(out, args)


def report(out: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(out, indent=2))
        return
    small, big = out["rows"][0], out["rows"][-1]
    print(f"audience export, {small:,} and {big:,} rows; audience family limited to {args.qps} req/s\n")
    print(f"{'step':<28}{'rows':>10}{'seconds':>9}{'rows/s':>10}{'peak MB':>9}")

    def line(step: str, rows: int, r: dict[str, Any]) -> None:
        print(f"{step:<28}{rows:>10,}{r['seconds']:>9.1f}{rows / r['seconds']:>10,.0f}{r['peak_mb']:>9.0f}")

    for rows in out["rows"]:
        for mode, r in out["stage"][rows].items():
            line(f"stage {mode}", rows, r)
        line("send STREAMING", out["stream"][rows]["rows"], out["stream"][rows])
        line("send CUSTOMER_FILE", rows, out["file"][rows])
    print("\nratios (measured side by side in this run):")
    for mode in ("STREAMING", "CUSTOMER_FILE"):
        ratio = out["stage"][big][mode]["peak_mb"] / out["stage"][small][mode]["peak_mb"]
        print(f"  stage {mode} peak memory {big:,} / {small:,} rows: {ratio:.2f} (1.00 = flat)")
    ratio = out["stream"][big]["peak_mb"] / out["stream"][small]["peak_mb"]
    print(f"  send STREAMING peak memory {big:,} / {small:,} rows: {ratio:.2f}")
    s = out["stream"][big]
    achieved = s["requests"] / s["seconds"]
    print(
        f"  send STREAMING requests/s achieved / allowed: {achieved:.1f} / {args.qps} "
        f"= {achieved / args.qps:.2f}"
    )
    hashing = big / out["stage"][big]["STREAMING"]["seconds"]
    print(f"  hashing speed / API ceiling ({args.qps} x 1,000 rows/s): {hashing / (args.qps * 1000):.1f}x")


if __name__ == "__main__":
    main()
