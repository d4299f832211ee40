"""Fault injection: errors, hangs and delays on chosen requests, drawn from a seeded RNG.

Rules come from the scenario or ``POST /sim/faults``. Each request is matched against
every rule (family, path, advertiser, method); a matching rule fires with its probability
(one draw from the dedicated fault RNG per matching rule) until ``max_count`` firings.
The pipeline applies what fired: ``latency`` and ``timeout`` sleep before the request is
handled (a timeout hangs longer than the client waits, then still answers), ``http_error``
answers a bare 5xx, ``error_code`` answers TikTok's envelope with that code, and
``delay_after_mutation`` performs the request and then holds the answer back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.scenario import FaultRule, FaultsSpec


@dataclass
class Decision:
    """What the fired rules ask of one request."""

    sleep_before: float = 0.0
    sleep_after: float = 0.0
    http_status: int | None = None
    code: int | None = None
    message: str | None = None
    fired: list[str] = field(default_factory=list)


class FaultInjector:
    def __init__(self, spec: FaultsSpec, default_seed: int) -> None:
        self.default_seed = default_seed
        self.configure(spec)

    def configure(self, spec: FaultsSpec) -> None:
        self.spec = spec
        self.rng = np.random.default_rng([spec.seed if spec.seed is not None else self.default_seed, 7])
        self.counts = [0] * len(spec.rules)

    @staticmethod
    def _matches(rule: FaultRule, family: str, path: str, advertiser_id: str | None, method: str) -> bool:
        if rule.family and rule.family != family:
            return False
        if rule.path and rule.path.strip("/") not in path.strip("/"):
            return False
        if rule.advertiser_id and rule.advertiser_id != advertiser_id:
            return False
        return not (rule.method and rule.method.upper() != method.upper())

    def decide(self, family: str, path: str, advertiser_id: str | None, method: str) -> Decision:
        decision = Decision()
        for index, rule in enumerate(self.spec.rules):
            if not self._matches(rule, family, path, advertiser_id, method):
                continue
            if rule.max_count is not None and self.counts[index] >= rule.max_count:
                continue
            if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                continue
            self.counts[index] += 1
            decision.fired.append(rule.kind)
            if rule.kind == "latency":
                decision.sleep_before += rule.latency_ms / 1000
            elif rule.kind == "timeout":
                decision.sleep_before += rule.seconds
            elif rule.kind == "delay_after_mutation":
                decision.sleep_after += rule.seconds
            elif rule.kind == "http_error" and decision.http_status is None and decision.code is None:
                decision.http_status = rule.http_status
            elif rule.kind == "error_code" and decision.http_status is None and decision.code is None:
                decision.code, decision.message = rule.code, rule.message
        return decision
