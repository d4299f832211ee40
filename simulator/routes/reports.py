"""Reporting: the synchronous ``report/integrated/get/`` and the async ``report/task/*``.

An async task snapshots its rows when created; ``report/task/check/`` moves it QUEUING ->
PROCESSING -> SUCCESS after ``report_task_checks`` checks or ``report_task_seconds`` of wall
time (scenario); ``report/task/download/`` answers 40201 until then, and afterwards a URL
under ``/sim/files/report/`` that serves the CSV (no token needed, like TikTok's signed URL).
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from simulator import errors
from simulator.api import ApiContext, endpoint, paginate
from simulator.enums import OUTPUT_FORMATS
from simulator.errors import ApiError
from simulator.reporting import parse_query, to_csv
from simulator.state import ReportTask

router = APIRouter()

RUNNING = ("QUEUING", "PROCESSING")


@endpoint(router, "GET", "report/integrated/get/")
async def integrated_report(ctx: ApiContext) -> dict[str, Any]:
    """BASIC report over the simulated ledger: rows, page_info and total_metrics."""
    query = parse_query(ctx.params, ctx.advertiser_id)
    rows, totals = ctx.sim.report(query)
    if ctx.params.string("query_mode") == "CHUNK":
        data: dict[str, Any] = {"list": rows}
    else:
        data = paginate(rows, ctx.params, max_size=1000)
    data["total_metrics"] = totals
    return data


def _task(ctx: ApiContext) -> ReportTask:
    task_id = ctx.params.req_str("task_id")
    task = ctx.state.tasks.get(task_id)
    if task is None or task.advertiser_id != ctx.advertiser_id:
        raise ApiError(errors.NOT_EXIST, f"The task {task_id} does not exist.")
    return task


@endpoint(router, "POST", "report/task/create/", mutating=True)
async def create_task(ctx: ApiContext) -> dict[str, Any]:
    """Queue an async report (same parameters as the sync report, plus output_format/file_name)."""
    query = parse_query(ctx.params, ctx.advertiser_id)
    output_format = ctx.params.enum("output_format", OUTPUT_FORMATS, default="CSV_DOWNLOAD")
    rows, _ = ctx.sim.report(query)
    task_id = ctx.state.next_id("task")
    ctx.state.tasks[task_id] = ReportTask(
        task_id=task_id,
        advertiser_id=ctx.advertiser_id,
        created_wall=time.time(),
        file_name=ctx.params.string("file_name", max_len=100) or f"report_{task_id}",
        output_format=output_format or "CSV_DOWNLOAD",
        csv=to_csv(query, rows),
    )
    ctx.sim.stats.created["report_task"] += 1
    return {"task_id": task_id}


@endpoint(router, "GET", "report/task/check/")
async def check_task(ctx: ApiContext) -> dict[str, Any]:
    """The task's status; each check moves a running task along."""
    task = _task(ctx)
    if task.status in RUNNING:
        task.checks += 1
        scenario = ctx.state.scenario
        done = task.checks >= scenario.report_task_checks
        if done or time.time() - task.created_wall >= scenario.report_task_seconds:
            task.status = "SUCCESS"
        else:
            task.status = "PROCESSING"
    return {"task_id": task.task_id, "status": task.status, "message": ""}


@endpoint(router, "GET", "report/task/download/")
async def download_task(ctx: ApiContext) -> dict[str, Any]:
    """Where to download a finished task's file (40201 while it is not ready)."""
    task = _task(ctx)
    if task.status != "SUCCESS":
        raise ApiError(errors.TASK_NOT_READY, f"Task is not ready (status {task.status}).")
    return {
        "download_url": f"{ctx.base_url()}/sim/files/report/{task.task_id}.csv",
        "file_name": task.file_name,
        "output_format": task.output_format,
    }


@endpoint(router, "POST", "report/task/cancel/", mutating=True)
async def cancel_task(ctx: ApiContext) -> dict[str, Any]:
    """Cancel a queued or running task (40200 once it has finished)."""
    task = _task(ctx)
    if task.status not in RUNNING:
        raise ApiError(errors.TASK_ERROR, f"Task {task.task_id} is {task.status} and cannot be canceled.")
    task.status = "CANCELED"
    return {"task_id": task.task_id, "status": task.status}


@router.get("/sim/files/report/{task_id}.csv", summary="Download a finished report task's CSV")
async def report_file(task_id: str, request: Request) -> Response:
    task = request.app.state.sim.state.tasks.get(task_id)
    if task is None or task.status != "SUCCESS":
        return PlainTextResponse("Not Found", status_code=404)
    headers = {"Content-Disposition": f'attachment; filename="{task.file_name}.csv"'}
    return PlainTextResponse(task.csv, media_type="text/csv", headers=headers)
