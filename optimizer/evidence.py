"""What the decisions learn from an ad's daily rows: 7-day totals (the learning phase and
the guardrails count these), CTR of the last two days against the days before (fatigue),
today's spend (under-delivery), the days it spent, and spend and conversions discounted by
age (the posteriors see these, so a market that changes is noticed within days)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DayRow:
    ad_id: str
    day: date
    spend: float
    impressions: float
    clicks: float
    conversions: float


@dataclass
class AdEvidence:
    spend: float = 0.0
    impressions: float = 0.0
    clicks: float = 0.0
    conversions: float = 0.0
    spend_today: float = 0.0
    days_with_spend: int = 0
    weighted_spend: float = 0.0
    weighted_conversions: float = 0.0
    idle_days: int | None = None  # days since the last day it spent
    recent_clicks: float = 0.0
    recent_impressions: float = 0.0
    earlier_clicks: float = 0.0
    earlier_impressions: float = 0.0

    @property
    def recent_ctr(self) -> float | None:
        return self.recent_clicks / self.recent_impressions if self.recent_impressions else None

    @property
    def earlier_ctr(self) -> float | None:
        return self.earlier_clicks / self.earlier_impressions if self.earlier_impressions else None


def evidence(rows: Iterable[DayRow], today: date, half_life_days: float) -> dict[str, AdEvidence]:
    """Per ad, from its daily rows up to ``today`` (a day ``half_life_days`` old counts half)."""
    out: dict[str, AdEvidence] = {}
    for r in rows:
        e = out.setdefault(r.ad_id, AdEvidence())
        age = (today - r.day).days
        weight = 0.5 ** (age / half_life_days)
        e.spend += r.spend
        e.impressions += r.impressions
        e.clicks += r.clicks
        e.conversions += r.conversions
        e.weighted_spend += weight * r.spend
        e.weighted_conversions += weight * r.conversions
        e.days_with_spend += r.spend > 0
        if r.spend > 0 and (e.idle_days is None or age < e.idle_days):
            e.idle_days = age
        if age == 0:
            e.spend_today += r.spend
        if age <= 1:
            e.recent_clicks += r.clicks
            e.recent_impressions += r.impressions
        else:
            e.earlier_clicks += r.clicks
            e.earlier_impressions += r.impressions
    return out
