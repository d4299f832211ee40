"""Creative metrics (FR-1) from the warehouse's ad rows: early CTR, hook rate, completion
rate and each ad's share of the conversions.

- early CTR: clicks / impressions over an ad's first ``early_impressions`` impressions (whole
  days, in order, until the count is reached: the daily rows are the finest grain kept);
- hook rate: 2-second video views / impressions (``video_watched_2s``);
- completion rate: 100 % video views / impressions (``video_views_p100``);
- conversion contribution: the ad's conversions / all the advertiser's conversions in the range.
Image ads have no hook or completion rate (None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.warehouse_tables import DailyStatRow

EARLY_IMPRESSIONS = 1000


@dataclass(frozen=True)
class CreativeMetrics:
    ad_id: str
    name: str | None
    impressions: float
    clicks: float
    conversions: float
    early_ctr: float | None
    hook_rate: float | None
    completion_rate: float | None
    conversion_share: float | None


def creative_metrics(
    rows: Sequence[DailyStatRow], early_impressions: int = EARLY_IMPRESSIONS
) -> list[CreativeMetrics]:
    """One line per ad in ``rows`` (ad-level daily rows), best conversion share first."""
    by_ad: dict[str, list[DailyStatRow]] = {}
    for row in rows:
        if row.level == "ad":
            by_ad.setdefault(row.object_id, []).append(row)
    total_conversions = sum(r.conversions for days in by_ad.values() for r in days)
    out = []
    for ad_id, days in by_ad.items():
        days.sort(key=lambda r: r.day)
        impressions = sum(r.impressions for r in days)
        clicks = sum(r.clicks for r in days)
        conversions = sum(r.conversions for r in days)
        seen = early_clicks = 0.0
        for r in days:
            if seen >= early_impressions:
                break
            seen += r.impressions
            early_clicks += r.clicks
        hooks = sum(float(r.metrics.get("video_watched_2s") or 0) for r in days)
        complete = sum(float(r.metrics.get("video_views_p100") or 0) for r in days)
        video = any(r.metrics.get("video_play_actions") for r in days)
        out.append(
            CreativeMetrics(
                ad_id=ad_id,
                name=days[-1].name,
                impressions=impressions,
                clicks=clicks,
                conversions=conversions,
                early_ctr=early_clicks / seen if seen else None,
                hook_rate=hooks / impressions if video and impressions else None,
                completion_rate=complete / impressions if video and impressions else None,
                conversion_share=conversions / total_conversions if total_conversions else None,
            )
        )
    return sorted(out, key=lambda m: (-(m.conversion_share or 0), m.ad_id))


def fatigued(
    rows: Sequence[DailyStatRow],
    *,
    recent_days: int = 3,
    drop: float = 0.4,
    min_recent_impressions: float = 2000,
    early_impressions: int = EARLY_IMPRESSIONS,
) -> list[str]:
    """Ads whose CTR over their last ``recent_days`` days fell by ``drop`` or more from their
    early CTR, on enough recent impressions to tell (creative fatigue)."""
    recent = set(sorted({r.day for r in rows if r.level == "ad"})[-recent_days:])
    latest: dict[str, list[float]] = {}  # ad -> [impressions, clicks] over the recent days
    for r in rows:
        if r.level == "ad" and r.day in recent:
            sums = latest.setdefault(r.object_id, [0.0, 0.0])
            sums[0] += r.impressions
            sums[1] += r.clicks
    out = []
    for m in creative_metrics(rows, early_impressions):
        impressions, clicks = latest.get(m.ad_id, [0.0, 0.0])
        if m.early_ctr is not None and impressions >= min_recent_impressions:
            if clicks / impressions <= m.early_ctr * (1 - drop):
                out.append(m.ad_id)
    return sorted(out)
