"""A refusal that names no event: the batch is halved until each bad event stands alone."""

from __future__ import annotations

from typing import Any

from conversions.sending import send_batch
from models.errors import InvalidRequest


async def test_unnamed_refusals_are_bisected_to_the_bad_events() -> None:
    calls: list[int] = []

    async def post(events: list[dict[str, Any]]) -> dict[str, Any]:
        calls.append(len(events))
        if any(e["bad"] for e in events):
            raise InvalidRequest("Parameter error.", code=40002)
        return {"events_accepted": len(events)}

    items = [(row, {"bad": row in (3, 11)}) for row in range(1, 17)]
    outcome = await send_batch(items, post)
    assert sorted(e.row for e in outcome.errors) == [3, 11]
    assert outcome.sent == outcome.accepted == 14
    assert outcome.requests == len(calls) < 16  # far fewer than one request per event


async def test_a_named_event_is_dropped_and_the_rest_sent_again() -> None:
    async def post(events: list[dict[str, Any]]) -> dict[str, Any]:
        for i, e in enumerate(events):
            if e["bad"]:
                raise InvalidRequest(f"data[{i}].event_time: The event is older than 28 days.", code=40002)
        return {"events_accepted": len(events)}

    items = [(row, {"bad": row == 5}) for row in range(1, 9)]
    outcome = await send_batch(items, post)
    assert [(e.row, e.reason) for e in outcome.errors] == [(5, "event_time: The event is older than 28 days")]
    assert (outcome.sent, outcome.requests) == (7, 2)
