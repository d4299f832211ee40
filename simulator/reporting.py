"""BASIC reports computed from the auction's hourly ledger.

``parse_query`` validates a ``report/integrated/get/`` (or ``report/task/create/``) request;
``run_report`` sums the ledger rows of the advertiser's ads into one row per (object,
time bucket), formats metrics as strings the way TikTok does, and totals them.
Window limits (GO ``model/report/integrated_get.go``): 30 days with ``stat_time_day``,
1 day with ``stat_time_hour``, 365 days otherwise; beyond them we answer 40067 (our code
choice: no public source names the code TikTok uses).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from simulator import errors
from simulator.enums import DATA_LEVELS, REPORT_TYPES
from simulator.errors import ApiError, missing, param_error
from simulator.params import Params, check_enum
from simulator.state import SimState, parse_hour

ID_DIMENSIONS = ("campaign_id", "adgroup_id", "ad_id", "advertiser_id")
TIME_DIMENSIONS = {"stat_time_day": 30, "stat_time_hour": 1}
WINDOW_OTHERWISE = 365
METRICS = (
    "spend", "impressions", "clicks", "conversion", "cost_per_conversion", "cpa", "ctr", "cpm", "cpc",
    "conversion_rate", "reach", "frequency", "cost_per_1000_reached",
)  # fmt: skip
FILTER_FIELDS = {"campaign_ids": "campaign_id", "adgroup_ids": "adgroup_id", "ad_ids": "ad_id",
                 "campaign_id": "campaign_id", "adgroup_id": "adgroup_id", "ad_id": "ad_id"}  # fmt: skip


@dataclass
class ReportQuery:
    advertiser_id: str
    id_dimension: str | None
    time_dimension: str | None
    dimensions: list[str]
    metrics: list[str]
    start: date | None
    end: date | None
    filters: dict[str, set[str]] = field(default_factory=dict)
    order_field: str | None = None
    descending: bool = True

    def key(self) -> tuple[Any, ...]:
        """Everything that decides the rows (for caching a report across its pages)."""
        filters = tuple(sorted((k, tuple(sorted(v))) for k, v in self.filters.items()))
        return (
            self.advertiser_id, self.id_dimension, self.time_dimension, tuple(self.dimensions),
            tuple(self.metrics), self.start, self.end, filters, self.order_field, self.descending,
        )  # fmt: skip


def _date(params: Params, name: str) -> date:
    value = params.string(name)
    if value is None:
        raise missing(name)
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise param_error(name, "Use the format YYYY-MM-DD.") from exc


def _filters(raw: Any) -> dict[str, set[str]]:
    """``[{field_name, filter_type, filter_value}]`` (v1.3) or ``{"campaign_ids": [...]}``."""
    if raw is None:
        return {}
    items = raw
    if isinstance(raw, dict):
        items = [{"field_name": k, "filter_type": "IN", "filter_value": v} for k, v in raw.items()]
    if not isinstance(items, list):
        raise param_error("filtering", "Not a valid list of filters.")
    out: dict[str, set[str]] = {}
    for index, item in enumerate(items):
        name = item.get("field_name") if isinstance(item, dict) else None
        if name not in FILTER_FIELDS:
            raise param_error(
                f"filtering[{index}].field_name", f"Must be one of: {', '.join(FILTER_FIELDS)}."
            )
        if item.get("filter_type", "IN") not in ("IN", "EQUAL", "MATCH"):
            raise param_error(f"filtering[{index}].filter_type", "Only IN and EQUAL are supported for ids.")
        value = item.get("filter_value")
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip().startswith("[") else [value]
            except ValueError as exc:
                raise param_error(f"filtering[{index}].filter_value", "Not valid JSON.") from exc
        if not isinstance(value, list) or not 1 <= len(value) <= 100:
            raise param_error(f"filtering[{index}].filter_value", "Give 1-100 ids.")
        out[FILTER_FIELDS[name]] = {str(v) for v in value}
    return out


def parse_query(params: Params, advertiser_id: str) -> ReportQuery:
    report_type = params.enum("report_type", REPORT_TYPES, required=True)
    if report_type != "BASIC":
        raise param_error("report_type", "The simulator supports BASIC reports only.")
    if params.string("service_type") not in (None, "AUCTION"):
        raise param_error("service_type", "The simulator supports AUCTION only.")
    dimensions = [str(d) for d in params.list_of("dimensions", required=True, min_len=1, max_len=4) or []]
    for dim in dimensions:
        check_enum("dimensions", dim, (*ID_DIMENSIONS, *TIME_DIMENSIONS))
    ids = [d for d in dimensions if d in ID_DIMENSIONS]
    times = [d for d in dimensions if d in TIME_DIMENSIONS]
    if len(ids) > 1 or len(times) > 1:
        raise param_error("dimensions", "Use at most one id dimension and one time dimension.")
    level = params.enum("data_level", DATA_LEVELS)
    if level is None:
        level = next((k for k, v in DATA_LEVELS.items() if ids and v == ids[0]), "AUCTION_ADVERTISER")
    if ids and DATA_LEVELS[level] != ids[0]:
        raise param_error("dimensions", f"{ids[0]} does not match data_level {level}.")
    metrics = [str(m) for m in params.list_of("metrics") or ["spend", "impressions"]]
    for metric in metrics:
        check_enum("metrics", metric, METRICS)
    start = end = None
    if not params.boolean("query_lifetime"):
        start, end = _date(params, "start_date"), _date(params, "end_date")
        if end < start:
            raise param_error("end_date", "Must not be earlier than start_date.")
        days = (end - start).days + 1
        limit = TIME_DIMENSIONS[times[0]] if times else WINDOW_OTHERWISE
        if days > limit:
            raise ApiError(
                errors.REPORT_WINDOW_TOO_LARGE,
                f"The time range is too large: {days} days; at most {limit} with dimensions {dimensions}.",
            )
    order_field = params.string("order_field")
    if order_field is not None:
        check_enum("order_field", order_field, metrics)
    order_type = params.enum("order_type", ("ASC", "DESC"), default="DESC")
    return ReportQuery(
        advertiser_id=advertiser_id,
        id_dimension=ids[0] if ids else None,
        time_dimension=times[0] if times else None,
        dimensions=dimensions,
        metrics=metrics,
        start=start,
        end=end,
        filters=_filters(params.obj("filtering")),
        order_field=order_field,
        descending=order_type == "DESC",
    )


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> str:
    return f"{numerator / denominator * scale:.2f}" if denominator else "0.00"


def format_metrics(sums: list[float], metrics: list[str]) -> dict[str, str]:
    impressions, clicks, conversions, spend, reach = sums
    values = {
        "spend": f"{spend:.2f}",
        "impressions": str(int(impressions)),
        "clicks": str(int(clicks)),
        "conversion": str(int(conversions)),
        "reach": str(round(reach)),
        "ctr": _ratio(clicks, impressions, 100),
        "cpm": _ratio(spend, impressions, 1000),
        "cpc": _ratio(spend, clicks),
        "cost_per_conversion": _ratio(spend, conversions),
        "cpa": _ratio(spend, conversions),
        "conversion_rate": _ratio(conversions, clicks, 100),
        "frequency": _ratio(impressions, round(reach)),
        "cost_per_1000_reached": _ratio(spend, round(reach), 1000),
    }
    return {m: values[m] for m in metrics}


def run_report(state: SimState, query: ReportQuery) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """All rows of the report (unpaginated) and the totals. Each distinct ledger hour is
    parsed once (an account of 10,000 ads has a few hundred hours but millions of cells)."""
    sums: dict[tuple[str, str], list[float]] = {}
    total = [0.0] * 5
    buckets: dict[str, str | None] = {}  # ledger hour -> report bucket, None when out of range

    def bucket_of(hour: str) -> str | None:
        if hour not in buckets:
            at = parse_hour(hour)
            inside = not (query.start and query.end) or query.start <= at.date() <= query.end
            buckets[hour] = _bucket(at, query.time_dimension) if inside else None
        return buckets[hour]

    for ad_id, hours in state.ledger.items():
        ad = state.ads.get(ad_id)
        if ad is None or ad["advertiser_id"] != query.advertiser_id:
            continue
        if any(str(ad[name]) not in wanted for name, wanted in query.filters.items()):
            continue
        entity = str(ad[query.id_dimension]) if query.id_dimension else ""
        for hour, values in hours.items():
            bucket = bucket_of(hour)
            if bucket is None:
                continue
            acc = sums.setdefault((entity, bucket), [0.0] * 5)
            for i, value in enumerate(values):
                acc[i] += value
                total[i] += value
    rows = []
    for (entity, bucket), acc in sorted(sums.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        dims: dict[str, str] = {}
        if query.id_dimension:
            dims[query.id_dimension] = entity
        if query.time_dimension:
            dims[query.time_dimension] = bucket
        rows.append({"dimensions": dims, "metrics": format_metrics(acc, query.metrics)})
    if query.order_field:
        order = query.order_field
        rows.sort(key=lambda r: float(r["metrics"][order]), reverse=query.descending)
    return rows, format_metrics(total, query.metrics)


def _bucket(at: datetime, time_dimension: str | None) -> str:
    if time_dimension == "stat_time_day":
        return at.strftime("%Y-%m-%d 00:00:00")
    if time_dimension == "stat_time_hour":
        return at.strftime("%Y-%m-%d %H:00:00")
    return ""


def to_csv(query: ReportQuery, rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*query.dimensions, *query.metrics])
    for row in rows:
        writer.writerow([*(row["dimensions"][d] for d in query.dimensions), *row["metrics"].values()])
    return out.getvalue()
