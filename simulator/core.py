"""The running simulator: state plus its runtime helpers (limiter, faults, stats, persistence).

One ``Simulator`` lives on ``app.state.sim``. Handlers run on the server's event loop and
never await while mutating, so each request's changes are applied atomically.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator import review
from simulator.audiences import AudienceBook
from simulator.builder import build_state
from simulator.faults import FaultInjector
from simulator.limits import RateLimiter
from simulator.reporting import ReportQuery, run_report
from simulator.scenario import FaultsSpec, LimitsSpec, Scenario, demo_scenario
from simulator.state import load_state, save_state
from simulator.webhooks import Delivery, WebhookOutbox

log = logging.getLogger("simulator")


@dataclass
class Stats:
    """Counters for ``GET /sim/stats``: what clients did to the simulator since start or reset."""

    requests: Counter[str] = field(default_factory=Counter)  # by family
    requests_by_path: Counter[str] = field(default_factory=Counter)
    requests_by_advertiser: Counter[str] = field(default_factory=Counter)
    requests_by_advertiser_path: Counter[str] = field(default_factory=Counter)  # "<advertiser> <path>"
    codes: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)  # by family
    throttled_by_scope: Counter[str] = field(default_factory=Counter)  # "app:qps", "advertiser:qpm" ...
    faults: Counter[str] = field(default_factory=Counter)  # by kind
    idempotency_keys: Counter[str] = field(default_factory=Counter)  # times each key was seen
    idempotent_replays: int = 0
    created: Counter[str] = field(default_factory=Counter)  # by object kind

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "requests_total": sum(self.requests.values()),
            "requests_by_path": dict(self.requests_by_path),
            "requests_by_advertiser": dict(self.requests_by_advertiser),
            "requests_by_advertiser_path": dict(self.requests_by_advertiser_path),
            "codes": dict(self.codes),
            "throttled": dict(self.throttled),
            "throttled_total": sum(self.throttled.values()),
            "throttled_by_scope": dict(self.throttled_by_scope),
            "faults": dict(self.faults),
            "faults_total": sum(self.faults.values()),
            "idempotency_keys": dict(self.idempotency_keys),
            "idempotent_replays": self.idempotent_replays,
            "created": dict(self.created),
        }


REPORT_CACHE = 64


class Simulator:
    """State and runtime services of one simulator instance."""

    def __init__(self, scenario: Scenario | None = None, state_file: Path | None = None) -> None:
        self.state_file = state_file
        loaded = load_state(state_file) if state_file else None
        if loaded is not None and (scenario is None or loaded.scenario == scenario):
            log.info("resuming simulator state from %s (clock %s)", state_file, loaded.now_str())
            self.state = loaded
        else:
            self.state = build_state(scenario or demo_scenario())
        self.limiter = RateLimiter(self.state.limits)
        self.faults = FaultInjector(self.state.faults, self.state.scenario.seed)
        self.stats = Stats()
        self.outbox = WebhookOutbox()
        self.audiences = AudienceBook(Path(f"{state_file}.audiences.db") if state_file else None)
        if loaded is None or self.state is not loaded:
            self.audiences.clear()
        self._reports: dict[tuple[Any, ...], tuple[list[dict[str, Any]], dict[str, str]]] = {}
        self.save()

    # -- reports -------------------------------------------------------------------------------
    def report(self, query: ReportQuery) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """``run_report`` once per query and simulated hour: the pages of one report (and a
        task created from the same query) read the same rows without scanning the ledger
        again. Only advancing the clock (or a new state) changes the ledger."""
        key = (id(self.state), self.state.now, query.key())
        if key not in self._reports:
            if len(self._reports) >= REPORT_CACHE:
                self._reports.clear()
            self._reports[key] = run_report(self.state, query)
        return self._reports[key]

    # -- review and webhooks ------------------------------------------------------------------
    def emit(self, event_type: str, data: dict[str, Any]) -> Delivery:
        """Queue a webhook event for the configured receiver."""
        return self.outbox.emit(self.state.webhook, event_type, data)

    def webhook_secret(self) -> str:
        spec = self.state.webhook
        if spec.secret:
            return spec.secret
        apps = self.state.scenario.apps
        return apps[0].secret if apps else ""

    def submit_review(self, ad: dict[str, Any]) -> None:
        """Send ``ad`` to review; with no delay configured it is decided (and announced) at once."""
        review.submit(self.state, ad)
        if self.state.review.delay_seconds == 0:
            self.settle_reviews()

    def settle_reviews(self) -> int:
        """Decide the reviews that are due and announce each verdict; how many were decided."""
        decided = review.settle(self.state)
        for data in decided:
            self.emit("ad.review_status_update", data)
        return len(decided)

    # -- lifecycle ---------------------------------------------------------------------------
    def load_scenario(self, scenario: Scenario) -> None:
        """Replace all state with a fresh one built from ``scenario``."""
        self.state = build_state(scenario)
        self.limiter.configure(self.state.limits)
        self.faults = FaultInjector(self.state.faults, self.state.scenario.seed)
        self.stats = Stats()
        self.outbox.deliveries.clear()
        self.audiences.clear()
        self.save()

    def reset(self) -> None:
        self.load_scenario(self.state.scenario)

    def save(self) -> None:
        if self.state_file is not None:
            save_state(self.state, self.state_file)

    # -- admin settings ------------------------------------------------------------------------
    def set_limits(self, spec: LimitsSpec) -> None:
        self.state.limits = spec
        self.limiter.configure(spec)
        self.save()

    def set_faults(self, spec: FaultsSpec) -> None:
        self.state.faults = spec
        self.faults.configure(spec)
        self.save()

    def set_idempotency(self, enabled: bool) -> None:
        self.state.idempotency = enabled
        self.save()
