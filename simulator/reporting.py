"""BASIC and AUDIENCE reports computed from the auction's hourly ledger.

``parse_query`` validates a ``report/integrated/get/`` (or ``report/task/create/``) request;
``run_report`` sums the ledger rows of the advertiser's ads (and the counts they derive,
``simulator.report_metrics``) into one row per (object, time bucket, audience cell), formats
metrics as strings the way TikTok does, and totals them. Every metric TikTok documents is
answered; attribute metrics come from the objects.
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
from simulator.report_metrics import (
    AUDIENCE_DIMENSIONS,
    AUDIENCE_SHARES,
    COLUMNS,
    add_hour,
    check_metrics,
    derived_rates,
    format_metrics,
    needs_derived,
)
from simulator.state import SimState, parse_hour

ID_DIMENSIONS = ("campaign_id", "adgroup_id", "ad_id", "advertiser_id")
TIME_DIMENSIONS = {"stat_time_day": 30, "stat_time_hour": 1}
WINDOW_OTHERWISE = 365
FILTER_FIELDS = {"campaign_ids": "campaign_id", "adgroup_ids": "adgroup_id", "ad_ids": "ad_id",
                 "campaign_id": "campaign_id", "adgroup_id": "adgroup_id", "ad_id": "ad_id"}  # fmt: skip


@dataclass
class ReportQuery:
    advertiser_id: str
    id_dimension: str | None
    audience_dimensions: list[str]
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
            self.advertiser_id, self.id_dimension, tuple(self.audience_dimensions), self.time_dimension,
            tuple(self.dimensions),
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
    if report_type not in ("BASIC", "AUDIENCE"):
        raise param_error("report_type", "The simulator supports BASIC and AUDIENCE reports.")
    if params.string("service_type") not in (None, "AUCTION"):
        raise param_error("service_type", "The simulator supports AUCTION only.")
    audience = report_type == "AUDIENCE"
    allowed = (*ID_DIMENSIONS, *TIME_DIMENSIONS, *(AUDIENCE_DIMENSIONS if audience else ()))
    dimensions = [str(d) for d in params.list_of("dimensions", required=True, min_len=1, max_len=4) or []]
    for dim in dimensions:
        check_enum("dimensions", dim, allowed)
    ids = [d for d in dimensions if d in ID_DIMENSIONS]
    times = [d for d in dimensions if d in TIME_DIMENSIONS]
    cells = [d for d in dimensions if d in AUDIENCE_DIMENSIONS]
    if len(ids) > 1 or len(times) > 1:
        raise param_error("dimensions", "Use at most one id dimension and one time dimension.")
    if audience and not cells:
        raise param_error("dimensions", f"An AUDIENCE report needs one of: {', '.join(AUDIENCE_DIMENSIONS)}.")
    if len(cells) > 1 and sorted(cells) != ["age", "gender"]:
        raise param_error("dimensions", "Of the audience dimensions only age and gender combine.")
    level = params.enum("data_level", DATA_LEVELS)
    if level is None:
        level = next((k for k, v in DATA_LEVELS.items() if ids and v == ids[0]), "AUCTION_ADVERTISER")
    if ids and DATA_LEVELS[level] != ids[0]:
        raise param_error("dimensions", f"{ids[0]} does not match data_level {level}.")
    lifetime = params.boolean("query_lifetime")
    if lifetime and audience:
        raise param_error("query_lifetime", "AUDIENCE reports do not support query_lifetime.")
    metrics = [str(m) for m in params.list_of("metrics") or ["spend", "impressions"]]
    check_metrics(
        metrics,
        level=level,
        report_type=report_type or "BASIC",
        id_dimension=ids[0] if ids else None,
        time_dimension=times[0] if times else None,
        lifetime=lifetime,
    )
    start = end = None
    if not lifetime:
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
        audience_dimensions=cells,
        time_dimension=times[0] if times else None,
        dimensions=dimensions,
        metrics=metrics,
        start=start,
        end=end,
        filters=_filters(params.obj("filtering")),
        order_field=order_field,
        descending=order_type == "DESC",
    )


def run_report(state: SimState, query: ReportQuery) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """All rows of the report (unpaginated) and the totals. Each distinct ledger hour is
    parsed once (an account of 10,000 ads has a few hundred hours but millions of cells)."""
    sums: dict[tuple[str, str], list[float]] = {}
    total = [0.0] * len(COLUMNS)
    buckets: dict[str, str | None] = {}  # ledger hour -> report bucket, None when out of range

    def bucket_of(hour: str) -> str | None:
        if hour not in buckets:
            at = parse_hour(hour)
            inside = not (query.start and query.end) or query.start <= at.date() <= query.end
            buckets[hour] = _bucket(at, query.time_dimension) if inside else None
        return buckets[hour]

    derived = needs_derived(query.metrics)
    for ad_id, hours in state.ledger.items():
        ad = state.ads.get(ad_id)
        if ad is None or ad["advertiser_id"] != query.advertiser_id:
            continue
        if any(str(ad[name]) not in wanted for name, wanted in query.filters.items()):
            continue
        rates = None
        if derived:
            campaign = state.campaigns.get(str(ad.get("campaign_id")), {})
            rates = derived_rates(ad_id, ad, campaign.get("objective_type") == "APP_PROMOTION")
        entity = str(ad[query.id_dimension]) if query.id_dimension else ""
        for hour, values in hours.items():
            bucket = bucket_of(hour)
            if bucket is None:
                continue
            add_hour(sums.setdefault((entity, bucket), [0.0] * len(COLUMNS)), values, rates)
            add_hour(total, values, rates)
    rows = []
    for (entity, bucket), acc in sorted(sums.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        dims: dict[str, str] = {}
        if query.id_dimension:
            dims[query.id_dimension] = entity
        if query.time_dimension:
            dims[query.time_dimension] = bucket
        attributes = _attributes(state, query, entity) if query.id_dimension else None
        for cell, share in _cells(state, query):
            part = [value * share for value in acc]
            rows.append(
                {"dimensions": {**dims, **cell}, "metrics": format_metrics(part, query.metrics, attributes)}
            )
    if query.order_field:
        order = query.order_field
        rows.sort(key=lambda r: float(r["metrics"][order]), reverse=query.descending)
    return rows, format_metrics(total, query.metrics, {})


def _cells(state: SimState, query: ReportQuery) -> list[tuple[dict[str, str], float]]:
    """The audience cells of an AUDIENCE report with their shares (one whole cell for BASIC)."""
    cells: list[tuple[dict[str, str], float]] = [({}, 1.0)]
    for dim in query.audience_dimensions:
        if dim == "country_code":
            country = str(state.advertisers.get(query.advertiser_id, {}).get("country") or "US")
            options = {country: 1.0}
        else:
            options = AUDIENCE_SHARES[dim]
        cells = [
            ({**cell, dim: value}, share * part) for cell, share in cells for value, part in options.items()
        ]
    return cells


def _attributes(state: SimState, query: ReportQuery, entity: str) -> dict[str, str]:
    """The attribute metrics of one row's object (and its parents), as TikTok shows them."""
    ad = state.ads.get(entity, {}) if query.id_dimension == "ad_id" else {}
    group_id = entity if query.id_dimension == "adgroup_id" else str(ad.get("adgroup_id", ""))
    group = state.adgroups.get(group_id, {})
    campaign_id = entity if query.id_dimension == "campaign_id" else str(group.get("campaign_id", ""))
    campaign = state.campaigns.get(campaign_id, {})
    advertiser = state.advertisers.get(query.advertiser_id, {})
    values: dict[str, Any] = {
        "advertiser_id": query.advertiser_id,
        "advertiser_name": advertiser.get("name"),
        "currency": advertiser.get("currency"),
        "campaign_id": campaign_id or None,
        "campaign_name": campaign.get("campaign_name"),
        "objective_type": campaign.get("objective_type"),
        "campaign_budget": campaign.get("budget"),
        "split_test": "CLOSE",
        "campaign_dedicate_type": "REGULAR",
        "app_promotion_type": "UNSET",
        "campaign_automation_type": "MANUAL",
        "adgroup_id": group_id or None,
        "adgroup_name": group.get("adgroup_name"),
        "placement_type": group.get("placement_type"),
        "promotion_type": group.get("promotion_type", "WEBSITE"),
        "opt_status": group.get("optimization_goal"),
        "budget": group.get("budget"),
        "bid": group.get("conversion_bid_price") or group.get("bid_price"),
        "bid_strategy": group.get("bid_type"),
        "billing_event": group.get("billing_event"),
        "smart_target": "NO",
        "is_aco": "false",
        "ad_id": ad.get("ad_id"),
        "ad_name": ad.get("ad_name"),
        "ad_text": ad.get("ad_text"),
        "call_to_action": ad.get("call_to_action"),
        "ad_url": ad.get("landing_page_url"),
        "image_mode": ad.get("ad_format"),
        "is_smart_creative": "false",
    }
    return {name: "-" if value in (None, "") else str(value) for name, value in values.items()}


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
