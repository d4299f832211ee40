"""Treasure Data's schedule syntax, checked here and handed to a Temporal Schedule.

Accepted: ``@hourly``, ``@daily`` (also ``@weekly``, ``@monthly``), five fields (minute,
hour, day of month, month, day of week 0-6 with Sunday 0) whose values are a number, ``*``,
a range ``2-5``, a step ``*/5`` or ``2-10/2``, or a comma list of those; month and weekday
names (``jan``, ``mon``). ``""`` means a job with no scheduled time (run by trigger only).

Treasure Data's rule for a day of month *and* a day of week both given ("0 0 1 * 1"): the
day of week wins and the day of month is ignored. Standard cron (and Temporal) would run on
either; we rewrite the day of month to ``*`` so the job runs when Treasure Data's would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAMED = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *"}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
)
ITEM = re.compile(r"^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?$")


class CronError(ValueError):
    """A schedule that cannot be read: names the field and the value."""


@dataclass(frozen=True)
class Cron:
    expression: str  # what Temporal gets ("" = no schedule)
    note: str | None = None  # what we changed, and why


def _number(field: int, token: str) -> int:
    name, low, high = FIELDS[field]
    names = MONTHS if field == 3 else DAYS if field == 4 else ()
    if token in names:
        value = names.index(token) + (1 if field == 3 else 0)
    elif token.isdigit():
        value = int(token)
    else:
        raise CronError(f"cron {name}: {token!r} is not a number{' or a name' if names else ''}")
    if not low <= value <= high:
        raise CronError(f"cron {name}: {value} is outside {low}-{high}")
    return value


def _check_field(field: int, text: str) -> None:
    name = FIELDS[field][0]
    for item in text.split(","):
        match = ITEM.match(item)
        if match is None:
            raise CronError(f"cron {name}: {item!r} is not a value, range, step or '*'")
        head, step = match.group(1), match.group(2)
        if step is not None and int(step) == 0:
            raise CronError(f"cron {name}: a step of 0")
        if head == "*":
            continue
        bounds = [_number(field, part) for part in head.split("-")]
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            raise CronError(f"cron {name}: the range {head} runs backwards")


def parse(expression: str) -> Cron:
    """The Temporal cron expression for a Treasure Data schedule, or a ``CronError``."""
    text = expression.strip().lower()
    if text == "":
        return Cron("")
    if text.startswith("@"):
        if text not in NAMED:
            raise CronError(f"cron: {expression!r}: the named schedules are {', '.join(NAMED)}")
        return Cron(NAMED[text])
    fields = text.split(" ")
    if len(fields) != 5 or any(not f for f in fields):
        raise CronError(f"cron: {expression!r} needs five fields separated by single spaces")
    for index, value in enumerate(fields):
        _check_field(index, value)
    if fields[2] != "*" and fields[4] != "*":
        fields[2] = "*"
        return Cron(" ".join(fields), "day of month ignored: a day of week is given (Treasure Data's rule)")
    return Cron(" ".join(fields))
