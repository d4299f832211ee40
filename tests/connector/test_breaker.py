"""Circuit breaker: open after N transient failures, fail fast, half-open probe, close."""

from __future__ import annotations

import pytest

from connector.breaker import CircuitBreaker, CircuitOpen, State


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_open_half_open_close_cycle() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=5, cooldown=30, clock=clock)
    for _ in range(4):
        breaker.before_call("adv")
        breaker.record_failure("adv")
    assert breaker.state("adv") is State.CLOSED
    breaker.record_failure("adv")
    assert breaker.state("adv") is State.OPEN
    with pytest.raises(CircuitOpen, match="resume in 30 s") as info:
        breaker.before_call("adv")
    assert info.value.retryable and info.value.retry_after == 30
    breaker.before_call("other")  # other advertisers are unaffected

    clock.now = 31
    assert breaker.state("adv") is State.HALF_OPEN
    breaker.before_call("adv")  # the one probe
    with pytest.raises(CircuitOpen):
        breaker.before_call("adv")  # no second probe while the first is out
    breaker.record_failure("adv")
    assert breaker.state("adv") is State.OPEN  # a failed probe re-opens at once

    clock.now = 62
    breaker.before_call("adv")
    breaker.record_success("adv")
    assert breaker.state("adv") is State.CLOSED
    breaker.before_call("adv")


def test_success_resets_the_count() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=Clock())
    for _ in range(10):
        breaker.record_failure("a")
        breaker.record_failure("a")
        breaker.record_success("a")
    assert breaker.state("a") is State.CLOSED
