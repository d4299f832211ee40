"""The simulator's whole mutable state as one pydantic document, and its JSON persistence.

Everything a restart must keep lives here: the simulated clock, tokens, entities (stored
as the public TikTok objects, plain dicts), hidden ad parameters, uploaded creatives, the
hourly delivery ledger, spend counters, report tasks, and the admin-set limits/faults.
Runtime-only things (rate-limit windows, fault RNG, request counters) live in ``core``.
Writing is atomic (temp file + rename) so a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from simulator.review import ReviewSpec
from simulator.scenario import FaultsSpec, LimitsSpec, MarketEvent, Scenario
from simulator.webhooks import WebhookSpec

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
HOUR_FORMAT = "%Y-%m-%d %H"
STATE_VERSION = 1

# Prefix of the 19-digit ids the simulator mints, per kind.
ID_PREFIX = {
    "campaign": "17",
    "adgroup": "18",
    "ad": "19",
    "material": "71",
    "task": "72",
    "audience": "73",
    "advertiser": "70",
}


def fmt_time(value: datetime) -> str:
    return value.strftime(TIME_FORMAT)


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, TIME_FORMAT)


def hour_key(value: datetime) -> str:
    return value.strftime(HOUR_FORMAT)


def parse_hour(value: str) -> datetime:
    return datetime.strptime(value, HOUR_FORMAT)


class TokenRecord(BaseModel):
    app_id: str
    advertiser_ids: list[str]
    scope: list[int]
    expires_at: datetime | None = None
    revoked: bool = False


class RefreshRecord(BaseModel):
    app_id: str
    advertiser_ids: list[str]
    scope: list[int]
    expires_at: datetime | None = None
    used: bool = False


class AuthCodeRecord(BaseModel):
    app_id: str
    advertiser_ids: list[str]
    scope: list[int]
    expires_at: datetime | None = None
    used: bool = False


class AdTruth(BaseModel):
    """Hidden parameters of one ad: its creative's true click and conversion rates."""

    true_ctr: float
    true_cvr: float
    creative_key: str
    review_status: str = "APPROVED"
    reject_reasons: list[str] = Field(default_factory=list)
    review_due: float | None = None  # wall time the pending review is decided
    audited_at: str | None = None  # simulated time of the last verdict


class Material(BaseModel):
    """An uploaded video or image: its public object plus processing bookkeeping."""

    advertiser_id: str
    public: dict[str, Any]
    checks_left: int = 0
    ready_at_wall: float = 0.0


class ReportTask(BaseModel):
    task_id: str
    advertiser_id: str
    status: str = "QUEUING"
    checks: int = 0
    created_wall: float = 0.0
    file_name: str
    output_format: str = "CSV_DOWNLOAD"
    csv: str = ""


class SimState(BaseModel):
    """The persisted state (``--state-file``)."""

    version: int = STATE_VERSION
    scenario: Scenario
    now: datetime
    counter: int = 0
    advertisers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    balances: dict[str, float] = Field(default_factory=dict)
    tokens: dict[str, TokenRecord] = Field(default_factory=dict)
    refresh_tokens: dict[str, RefreshRecord] = Field(default_factory=dict)
    auth_codes: dict[str, AuthCodeRecord] = Field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = Field(default_factory=dict)
    adgroups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    ads: dict[str, dict[str, Any]] = Field(default_factory=dict)
    truth: dict[str, AdTruth] = Field(default_factory=dict)
    videos: dict[str, Material] = Field(default_factory=dict)
    images: dict[str, Material] = Field(default_factory=dict)
    # ad_id -> "YYYY-MM-DD HH" -> [impressions, clicks, conversions, spend, reach]
    ledger: dict[str, dict[str, list[float]]] = Field(default_factory=dict)
    # entity id (campaign, ad group, advertiser) -> "YYYY-MM-DD" -> spend
    spend_day: dict[str, dict[str, float]] = Field(default_factory=dict)
    spend_total: dict[str, float] = Field(default_factory=dict)
    cum_impressions: dict[str, int] = Field(default_factory=dict)
    cum_reach: dict[str, float] = Field(default_factory=dict)
    cum_conversions: dict[str, int] = Field(default_factory=dict)
    first_delivery: dict[str, datetime] = Field(default_factory=dict)
    adgroup_volume: dict[str, float] = Field(default_factory=dict)  # scenario override of hourly volume
    tasks: dict[str, ReportTask] = Field(default_factory=dict)
    limits: LimitsSpec = Field(default_factory=LimitsSpec)
    faults: FaultsSpec = Field(default_factory=FaultsSpec)
    events: list[MarketEvent] = Field(default_factory=list)  # the scenario's, and those added since
    idempotency: bool = False
    review: ReviewSpec = Field(default_factory=ReviewSpec)
    pending_reviews: dict[str, float] = Field(default_factory=dict)  # ad id -> wall time it is decided
    webhook: WebhookSpec = Field(default_factory=WebhookSpec)
    idempotency_cache: dict[str, dict[str, Any]] = Field(default_factory=dict)

    # -- ids -------------------------------------------------------------------------------
    def next_id(self, kind: str) -> str:
        """A fresh 19-digit id: kind prefix, 3 digits from the seed, a 14-digit counter.

        The seed digits are 100-999, so minted ids never collide with hand-written scenario
        ids that use ``000`` there (``1700000000000000001``).
        """
        while True:
            self.counter += 1
            seed_part = self.scenario.seed % 900 + 100
            candidate = f"{ID_PREFIX[kind]}{seed_part:03d}{self.counter:014d}"
            if (
                candidate not in self.campaigns
                and candidate not in self.adgroups
                and candidate not in self.ads
            ):
                return candidate

    def next_token(self, kind: str) -> str:
        """A 40-hex-character token (like TikTok's), deterministic from seed and counter."""
        self.counter += 1
        raw = f"{kind}:{self.scenario.seed}:{self.counter}".encode()
        return hashlib.sha1(raw).hexdigest()

    def next_hash(self, kind: str, length: int = 20) -> str:
        self.counter += 1
        raw = f"{kind}:{self.scenario.seed}:{self.counter}".encode()
        return hashlib.sha256(raw).hexdigest()[:length]

    # -- time ------------------------------------------------------------------------------
    def now_str(self) -> str:
        return fmt_time(self.now)

    def in_hours(self, hours: float | None) -> datetime | None:
        return None if hours is None else self.now + timedelta(hours=hours)

    # -- entities --------------------------------------------------------------------------
    def entity_table(self, kind: str) -> dict[str, dict[str, Any]]:
        return {"campaign": self.campaigns, "adgroup": self.adgroups, "ad": self.ads}[kind]


def save_state(state: SimState, path: Path) -> None:
    """Write ``state`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(state.model_dump_json())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(path: Path) -> SimState | None:
    """The state saved at ``path``, or None when there is no file (or an older format)."""
    if not path.exists():
        return None
    state = SimState.model_validate_json(path.read_text(encoding="utf-8"))
    return state if state.version == STATE_VERSION else None
