"""Anomaly detection (FR-5): what in an advertiser's numbers needs a person, and how urgently.

Pure functions over what the cycle's pull stored: each ad group's trailing days (the
baseline), today's totals so far and its recent hours. Every detector needs enough data
before it speaks (a CPA of one conversion says nothing), and every finding says the
numbers it was judged on.

- ``cpa_spike``: today's CPA above 1.5x the trailing CPA (critical above 3x), once today
  has spent at least two baseline CPAs and the baseline has 10+ conversions.
- ``spend_spike``: the recent hours spent at more than 4x the trailing hourly average
  (critical above 8x); a critical one may pause the ad group (``on_critical_anomaly``).
- ``delivery_stall``: an active ad group with no impressions in its last 3 hours though it
  delivered on trailing days.
- ``ctr_collapse``: today's CTR below half the trailing CTR with 2,000+ impressions today.
- ``learning_stalled``: an ad group that has delivered for six days or more but is still
  under the learning threshold (50 conversions a week).
- ``missing_data``: active ad groups with a delivering baseline, but no hourly rows at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["critical", "warning", "info"]

CPA_WARN, CPA_CRITICAL, CPA_MIN_CONVERSIONS = 1.5, 3.0, 10
SPEND_WARN, SPEND_CRITICAL, SPEND_MIN = 4.0, 8.0, 5.0
STALL_HOURS = 3
CTR_FACTOR, CTR_MIN_IMPRESSIONS = 0.5, 2000


@dataclass
class Totals:
    spend: float = 0.0
    impressions: float = 0.0
    clicks: float = 0.0
    conversions: float = 0.0

    def add(self, spend: float, impressions: float, clicks: float, conversions: float) -> None:
        self.spend += spend
        self.impressions += impressions
        self.clicks += clicks
        self.conversions += conversions


@dataclass
class GroupNumbers:
    """One ad group: trailing days (excluding today), today so far, the recent hours."""

    adgroup_id: str
    name: str
    active: bool
    baseline_days: int
    baseline: Totals = field(default_factory=Totals)
    today: Totals = field(default_factory=Totals)
    hours: list[float] = field(default_factory=list)  # impressions per hour of today, oldest first
    hourly_rows: int = 0  # report rows behind ``hours`` (0: the report has nothing for today)
    recent_spend: float = 0.0
    recent_hours: int = 0


@dataclass(frozen=True)
class Anomaly:
    kind: str
    level: Level
    adgroup_id: str | None
    message: str
    subject: str | None = None  # what it is about when not an ad group (a workflow id ...)

    def line(self) -> str:
        return f"[{self.level}] {self.kind}: {self.message}"


def detect(groups: list[GroupNumbers], learning_conversions: int = 50) -> list[Anomaly]:
    """Every finding for these ad groups, the most urgent first."""
    found: list[Anomaly] = []
    for g in groups:
        if not g.active:
            continue
        found += _cpa(g) + _spend(g) + _stall(g) + _ctr(g) + _learning(g, learning_conversions)
    delivering = [g for g in groups if g.active and g.baseline.impressions > 0]
    if delivering and all(not g.hourly_rows for g in delivering):
        found.append(
            Anomaly(
                "missing_data",
                "warning",
                None,
                f"no hourly report rows for {len(delivering)} delivering ad group(s): reporting may lag",
            )
        )
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(found, key=lambda a: order[a.level])


def _cpa(g: GroupNumbers) -> list[Anomaly]:
    if g.baseline.conversions < CPA_MIN_CONVERSIONS:
        return []
    baseline = g.baseline.spend / g.baseline.conversions
    if g.today.spend < 2 * baseline:
        return []
    today = g.today.spend / max(g.today.conversions, 1.0)
    ratio = today / baseline
    if ratio <= CPA_WARN:
        return []
    level: Level = "critical" if ratio > CPA_CRITICAL else "warning"
    return [
        Anomaly(
            "cpa_spike",
            level,
            g.adgroup_id,
            f"{g.name}: CPA today {today:.2f} is {ratio:.1f}x the {g.baseline_days}-day {baseline:.2f} "
            f"({g.today.conversions:.0f} conversions on {g.today.spend:.2f} spend)",
        )
    ]


def _spend(g: GroupNumbers) -> list[Anomaly]:
    if g.baseline_days == 0 or g.recent_hours == 0 or g.recent_spend < SPEND_MIN:
        return []
    hourly = g.baseline.spend / (24 * g.baseline_days)
    if hourly <= 0:
        return []
    ratio = g.recent_spend / g.recent_hours / hourly
    if ratio <= SPEND_WARN:
        return []
    level: Level = "critical" if ratio > SPEND_CRITICAL else "warning"
    return [
        Anomaly(
            "spend_spike",
            level,
            g.adgroup_id,
            f"{g.name}: spent {g.recent_spend:.2f} in {g.recent_hours} h, {ratio:.1f}x its hourly "
            f"average of {hourly:.2f}",
        )
    ]


def _stall(g: GroupNumbers) -> list[Anomaly]:
    if g.baseline.impressions <= 0 or len(g.hours) < STALL_HOURS or any(g.hours[-STALL_HOURS:]):
        return []
    return [
        Anomaly(
            "delivery_stall",
            "warning",
            g.adgroup_id,
            f"{g.name}: no impressions for {STALL_HOURS} hours while enabled (delivered "
            f"{g.baseline.impressions / max(g.baseline_days, 1):.0f} a day before): check review, "
            "budget, audience and inventory",
        )
    ]


def _ctr(g: GroupNumbers) -> list[Anomaly]:
    if g.today.impressions < CTR_MIN_IMPRESSIONS or g.baseline.impressions < 5 * CTR_MIN_IMPRESSIONS:
        return []
    baseline = g.baseline.clicks / g.baseline.impressions
    today = g.today.clicks / g.today.impressions
    if baseline <= 0 or today >= CTR_FACTOR * baseline:
        return []
    return [
        Anomaly(
            "ctr_collapse",
            "warning",
            g.adgroup_id,
            f"{g.name}: CTR today {today:.2%} is under half the trailing {baseline:.2%}: creative fatigue?",
        )
    ]


def _learning(g: GroupNumbers, threshold: int) -> list[Anomaly]:
    if g.baseline_days < 6 or g.baseline.spend <= 0:
        return []
    weekly = g.baseline.conversions * 7 / g.baseline_days
    if weekly >= threshold:
        return []
    return [
        Anomaly(
            "learning_stalled",
            "info",
            g.adgroup_id,
            f"{g.name}: {weekly:.0f} conversions a week, under the {threshold} that end learning: "
            "consolidate ad groups or raise the budget",
        )
    ]
