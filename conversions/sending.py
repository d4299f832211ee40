"""Sending a batch of events so that one bad event does not lose the others.

TikTok refuses a whole ``event/track/`` request when one event is bad, naming it
(``data[3].event_time: ...``). The named event is recorded as refused and the rest sent
again; when the refusal names no event, the batch is split in halves until each bad event
stands alone. Only ``InvalidRequest`` splits a batch; throttling and outages propagate to
the activity's retries.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from models.conversions import EventError
from models.errors import InvalidRequest

NAMED = re.compile(r"data\[(\d+)\]\.?([\w.]*)\s*:?\s*(.*)")
Post = Callable[[list[dict[str, Any]]], Awaitable[dict[str, Any]]]


@dataclass
class BatchOutcome:
    sent: int = 0
    accepted: int = 0
    requests: int = 0
    errors: list[EventError] = field(default_factory=list)


async def send_batch(items: list[tuple[int, dict[str, Any]]], post: Post) -> BatchOutcome:
    """Send (row, event) pairs; refused events come back as errors with their source row."""
    outcome = BatchOutcome()
    pending = [items]
    while pending:
        batch = pending.pop()
        if not batch:
            continue
        outcome.requests += 1
        try:
            answer = await post([event for _, event in batch])
        except InvalidRequest as exc:
            match = NAMED.search(exc.tiktok_message)
            if match and int(match.group(1)) < len(batch):
                bad = int(match.group(1))
                reason = f"{match.group(2) or 'event'}: {match.group(3)}".strip().rstrip(".")
                outcome.errors.append(EventError(row=batch[bad][0], reason=reason[:200]))
                pending.append(batch[:bad] + batch[bad + 1 :])
            elif len(batch) == 1:
                outcome.errors.append(EventError(row=batch[0][0], reason=exc.tiktok_message[:200]))
            else:
                half = len(batch) // 2
                pending += [batch[half:], batch[:half]]
            continue
        outcome.sent += len(batch)
        outcome.accepted += int(
            answer.get("events_accepted", len(batch)) if isinstance(answer, dict) else len(batch)
        )
    return outcome
