"""A circuit breaker per advertiser: a broken account stops burning the shared quota.

Closed: calls flow; ``threshold`` consecutive transient failures open it. Open: calls
fail at once with :class:`CircuitOpen` until ``cooldown`` passes. Half-open: one probe
call is let through, and whatever becomes of it settles the circuit: a transient failure
opens it again; a success, or any answer TikTok gave (a rate limit, a parameter or an
auth error) closes it, since TikTok is reachable for the account; a probe that ends
without an answer (cancelled, or failed inside this process) hands the probe to the next
call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from models.errors import CircuitOpen

PROBE_WAIT = 1.0

__all__ = ["PROBE_WAIT", "CircuitBreaker", "CircuitOpen", "State"]


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class _Circuit:
    state: State = State.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False


class CircuitBreaker:
    """Per-key circuits; ``threshold`` is 5 consecutive failures by the spec."""

    def __init__(
        self,
        *,
        threshold: int = 5,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        on_open: Callable[[str, int], None] | None = None,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}
        self.on_open = on_open  # told (key, consecutive failures) when a closed circuit opens

    def state(self, key: str) -> State:
        circuit = self._circuits.get(key)
        if circuit is None:
            return State.CLOSED
        if circuit.state is State.OPEN and self._clock() - circuit.opened_at >= self.cooldown:
            circuit.state = State.HALF_OPEN
            circuit.probing = False
        return circuit.state

    def before_call(self, key: str) -> None:
        """Raise :class:`CircuitOpen` unless a call for ``key`` may go now."""
        state = self.state(key)
        circuit = self._circuits.get(key)
        if state is State.CLOSED or circuit is None:
            return
        if state is State.HALF_OPEN and not circuit.probing:
            circuit.probing = True
            return
        remaining = max(0.0, self.cooldown - (self._clock() - circuit.opened_at))
        err = CircuitOpen(
            f"circuit open for advertiser {key} after {self.threshold} consecutive transient failures; "
            f"calls resume in {remaining:.0f} s",
            # While the half-open probe is out, look again soon rather than a whole cool-down later.
            retry_after=remaining if remaining > 0 else PROBE_WAIT,
        )
        err.sent = False
        raise err

    def record_success(self, key: str) -> None:
        self._circuits.pop(key, None)

    def record_answer(self, key: str) -> None:
        """TikTok answered with a permanent error or a rate limit: not the account's health,
        but proof that TikTok is reachable, so a half-open circuit closes."""
        circuit = self._circuits.get(key)
        if circuit is not None and circuit.state is State.HALF_OPEN:
            self._circuits.pop(key, None)

    def record_abandoned(self, key: str) -> None:
        """The call ended without any answer (cancelled, or failed before sending): if it was
        the probe, the next call probes instead."""
        circuit = self._circuits.get(key)
        if circuit is not None and circuit.state is State.HALF_OPEN:
            circuit.probing = False

    def record_failure(self, key: str) -> None:
        """Count a transient failure; permanent errors are not the account's health."""
        circuit = self._circuits.setdefault(key, _Circuit())
        circuit.failures += 1
        if circuit.state is State.HALF_OPEN or circuit.failures >= self.threshold:
            if circuit.state is State.CLOSED and self.on_open is not None:
                self.on_open(key, circuit.failures)
            circuit.state = State.OPEN
            circuit.opened_at = self._clock()
            circuit.probing = False
