"""The Events API: ``event/track/`` (Events API 2.0), and the shape the spec's example uses.

A request carries up to 1,000 events for one event source (a pixel code for ``web``). One
bad event fails the whole request with 40002 naming it (``data[3].event_time: ...``), as
TikTok does; nothing of that request is kept. Accepted events are deduplicated on
(event source, ``event_id``, event name); ``test_event_code`` events are kept apart (they
show in Events Manager's test tab, not in reporting). ``GET /sim/events/received`` shows them.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi import APIRouter

from simulator.api import ApiContext, endpoint
from simulator.errors import param_error
from simulator.params import check_enum, check_list

router = APIRouter()

SOURCES = ("web", "app", "offline", "crm")
MAX_EVENTS = 1000
MAX_AGE_SECONDS = 28 * 24 * 3600  # events older than the attribution window are refused
MAX_AHEAD_SECONDS = 300
SHA256 = re.compile(r"^[0-9a-f]{64}$")
HASHED_USER_FIELDS = ("email", "phone", "external_id")


def _check_event(where: str, event: Any, now: float) -> tuple[str, str | None, int]:
    if not isinstance(event, dict):
        raise param_error(where, "Each event is an object.")
    name = event.get("event")
    if not isinstance(name, str) or not name.strip() or len(name) > 50:
        raise param_error(f"{where}.event", "Missing data for required field.")
    moment = event.get("event_time")
    if isinstance(moment, bool) or not isinstance(moment, int):
        raise param_error(f"{where}.event_time", "Must be a Unix timestamp in seconds.")
    if moment < now - MAX_AGE_SECONDS:
        raise param_error(f"{where}.event_time", "The event is older than 28 days.")
    if moment > now + MAX_AHEAD_SECONDS:
        raise param_error(f"{where}.event_time", "The event is in the future.")
    user = event.get("user") or {}
    if not isinstance(user, dict):
        raise param_error(f"{where}.user", "Must be an object.")
    for field in HASHED_USER_FIELDS:
        values = user.get(field)
        for value in values if isinstance(values, list) else [values] if values else []:
            if not isinstance(value, str) or not SHA256.match(value):
                raise param_error(f"{where}.user.{field}", "Must be SHA-256 hashed (64 lower-case hex).")
    properties = event.get("properties") or {}
    currency = properties.get("currency")
    if currency is not None and (not isinstance(currency, str) or not re.match(r"^[A-Z]{3}$", currency)):
        raise param_error(f"{where}.properties.currency", "Must be an ISO 4217 currency code.")
    value = properties.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
        raise param_error(f"{where}.properties.value", "Must be a non-negative number.")
    event_id = event.get("event_id")
    return name, str(event_id) if event_id else None, moment


@endpoint(router, "POST", "event/track/", advertiser=None, mutating=True)
async def track(ctx: ApiContext) -> dict[str, Any]:
    """Report web, app, offline or CRM events (all or nothing per request)."""
    p = ctx.params
    if p.has("pixel_code") and not p.has("data"):  # the spec's single-event shape
        source, source_id = "web", p.req_str("pixel_code")
        events = [{k: v for k, v in p.values.items() if k not in ("pixel_code", "test_event_code")}]
    else:
        source = check_enum("event_source", p.req_str("event_source"), SOURCES)
        source_id = p.req_str("event_source_id", max_len=64)
        events = check_list("data", p.obj("data"), min_len=1, max_len=MAX_EVENTS)
    test_code = p.string("test_event_code", max_len=64)
    now = time.time()
    checked = [_check_event(f"data[{i}]", event, now) for i, event in enumerate(events)]
    book = ctx.sim.audiences
    accepted = book.record_events(source, source_id, test_code, checked)
    return {"events_received": len(events), "events_accepted": accepted}
