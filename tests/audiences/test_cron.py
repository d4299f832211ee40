"""Treasure Data's schedule syntax: what is accepted, its day-of-week rule, and clear refusals."""

from __future__ import annotations

import pytest

from audiences.cron import CronError, parse


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("0 * * * *", "0 * * * *"),
        ("0 0 1-10 * *", "0 0 1-10 * *"),
        ("0 0 1,11,21 * *", "0 0 1,11,21 * *"),
        ("30 */2 1 * *", "30 */2 1 * *"),
        ("0 0 5,*/10,25 * *", "0 0 5,*/10,25 * *"),
        ("0 9 * jan-mar mon", "0 9 * jan-mar mon"),
        ("", ""),
    ],
)
def test_treasure_data_schedules_are_accepted(given: str, expected: str) -> None:
    assert parse(given).expression == expected


def test_day_of_week_wins_over_day_of_month_as_in_treasure_data() -> None:
    cron = parse("0 0 1 * 1")
    assert cron.expression == "0 0 * * 1" and cron.note and "day of week" in cron.note


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("@yearly", "named schedules"),
        ("0 0 * *", "five fields"),
        ("0  0 * * *", "single spaces"),
        ("60 * * * *", "minute: 60 is outside 0-59"),
        ("0 24 * * *", "hour: 24"),
        ("0 0 0 * *", "day of month: 0"),
        ("0 0 * 13 *", "month: 13"),
        ("0 0 * * 7", "day of week: 7"),
        ("0 0 * * funday", "day of week: 'funday'"),
        ("0 0 10-2 * *", "runs backwards"),
        ("*/0 * * * *", "a step of 0"),
    ],
)
def test_bad_schedules_name_the_field(given: str, says: str) -> None:
    with pytest.raises(CronError, match=says.replace("*", r"\*")):
        parse(given)
