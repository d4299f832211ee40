"""The anomaly detectors: each fires on its pattern, says how bad and on what numbers, and
stays quiet below its thresholds or without enough data."""

from __future__ import annotations

from optimizer.anomalies import GroupNumbers, Totals, detect


def group(**kw: object) -> GroupNumbers:
    """An ad group with a steady 6-day baseline: 600 spend, 60 conversions (CPA 10), 60,000
    impressions at 1 % CTR; today 10 hours in at the same pace."""
    g = GroupNumbers(adgroup_id="g1", name="Broad", active=True, baseline_days=6)
    g.baseline = Totals(spend=600, impressions=60000, clicks=600, conversions=60)
    g.today = Totals(spend=42, impressions=4200, clicks=42, conversions=4)
    g.hours = [420.0] * 10
    g.hourly_rows, g.recent_spend, g.recent_hours = 10, 8.4, 2
    for key, value in kw.items():
        setattr(g, key, value)
    return g


def kinds(groups: list[GroupNumbers]) -> list[tuple[str, str]]:
    return [(a.kind, a.level) for a in detect(groups)]


def test_a_steady_group_raises_nothing() -> None:
    assert kinds([group()]) == []


def test_cpa_spike_needs_spend_and_a_baseline() -> None:
    assert kinds([group(today=Totals(spend=36, impressions=4200, clicks=42, conversions=2))]) == [
        ("cpa_spike", "warning")
    ]
    assert kinds([group(today=Totals(spend=30, impressions=4200, clicks=42, conversions=2))]) == []  # 1.5x
    (critical,) = detect([group(today=Totals(spend=130, impressions=4200, clicks=42, conversions=1))])
    assert critical.level == "critical" and "13.0x" in critical.message
    # too little spend today to judge, or too few conversions in the baseline
    assert kinds([group(today=Totals(spend=15, impressions=4200, clicks=42, conversions=0))]) == []
    thin = group(baseline=Totals(spend=600, impressions=60000, clicks=600, conversions=5))
    thin.today = Totals(spend=200, impressions=4200, clicks=42, conversions=1)
    assert ("cpa_spike", "warning") not in kinds([thin]) and ("cpa_spike", "critical") not in kinds([thin])


def test_spend_spike_and_its_critical_level() -> None:
    hourly = 600 / (24 * 6)  # 4.17 an hour
    assert kinds([group(recent_spend=hourly * 2 * 5)]) == [("spend_spike", "warning")]
    assert kinds([group(recent_spend=hourly * 2 * 9)]) == [("spend_spike", "critical")]
    assert kinds([group(recent_spend=4.0 * 2 * 5 / 5)]) == []


def test_stall_ctr_collapse_learning_and_missing_data() -> None:
    assert kinds([group(hours=[420.0] * 7 + [0.0, 0.0, 0.0])]) == [("delivery_stall", "warning")]
    assert kinds([group(hours=[420.0] * 8 + [0.0, 0.0])]) == []
    collapsed = group(today=Totals(spend=42, impressions=4200, clicks=10, conversions=4))
    assert kinds([collapsed]) == [("ctr_collapse", "warning")]
    slow = group(baseline=Totals(spend=600, impressions=60000, clicks=600, conversions=12))
    assert kinds([slow]) == [("learning_stalled", "info")]
    no_rows = [group(hourly_rows=0, hours=[]), group(adgroup_id="g2", hourly_rows=0, hours=[])]
    assert ("missing_data", "warning") in kinds(no_rows)
    assert kinds([group(active=False, hours=[0.0] * 10)]) == []


def test_findings_come_most_urgent_first() -> None:
    urgent = group(adgroup_id="g2", recent_spend=600 / 144 * 2 * 9)
    slow = group(baseline=Totals(spend=600, impressions=60000, clicks=600, conversions=12))
    assert [a.level for a in detect([slow, urgent])] == ["critical", "info"]
