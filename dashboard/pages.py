"""Server-rendered pages: plain HTML with escaped values, and Plotly figures whose JavaScript
the app serves from the ``plotly`` package (nothing loads from the internet)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from dashboard.approvals import Waiting
from dashboard.data import Overview
from models.tables import AdvertiserRow

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#111827;color:#fff;padding:12px 24px;display:flex;justify-content:space-between}
header a{color:#cbd5e1} main{padding:16px 24px} h2{margin-top:28px}
.kpis{display:flex;gap:12px;flex-wrap:wrap}
.kpi{background:#fff;border-radius:8px;padding:12px 16px;min-width:130px}
.kpi b{display:block;font-size:22px} table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
td,th{border-bottom:1px solid #e5e7eb;padding:6px 8px;text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.chart{background:#fff;border-radius:8px;flex:1 1 420px} .muted{color:#6b7280} code{font-size:12px}
"""


def layout(title: str, user: str | None, body: str) -> str:
    who = f'{escape(user)} · <a href="/logout">log out</a>' if user else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style><script src='/static/plotly.min.js'></script></head><body>"
        f"<header><a href='/'><b>tiktok-ads</b></a><span>{who}</span></header>"
        f"<main>{body}</main></body></html>"
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body or '<tr><td class=muted>nothing yet</td></tr>'}</table>"


class Html(str):
    """HTML built here from escaped parts; every other string in a table is escaped (names,
    reasons and titles come from TikTok and people)."""


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, Html):
        return str(value)
    return escape("" if value is None else str(value))


def advertisers_page(user: str, advertisers: list[AdvertiserRow]) -> str:
    def link(advertiser_id: str) -> Html:
        return Html(f"<a href='/a/{escape(advertiser_id)}'>{escape(advertiser_id)}</a>")

    rows = [(link(a.advertiser_id), a.name, a.tenant_id) for a in advertisers]
    return layout("Advertisers", user, "<h1>Advertisers</h1>" + table(("advertiser", "name", "tenant"), rows))


def _figure(fig: go.Figure, div: str) -> str:
    fig.update_layout(margin={"l": 40, "r": 10, "t": 40, "b": 30}, height=300)
    html: str = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div)
    return f"<div class='chart'>{html}</div>"


@dataclass(frozen=True)
class Decisions:
    """What waits for approval (None: Temporal unreachable), whether this user may decide, the
    form token for a workflow, and what the last decision said."""

    pending: list[Waiting] | None
    may_approve: bool
    token: Callable[[str], str]
    said: str | None = None


def _decisions(o: Overview, d: Decisions, run: Callable[[str | None], str]) -> str:
    if d.pending is None:
        return "<p class='muted'>Temporal cannot be reached: pending approvals are not shown.</p>"
    said = f"<p id='said'><b>{escape(d.said)}</b></p>" if d.said else ""
    rows = []
    for w in d.pending:
        action = Html("")
        if d.may_approve:
            action = Html(
                "".join(
                    f"<form method='post' action='/a/{escape(o.advertiser_id)}/decide' "
                    "style='display:inline'>"
                    f"<input type='hidden' name='workflow_id' value='{escape(w.workflow_id)}'>"
                    f"<input type='hidden' name='token' value='{d.token(w.workflow_id)}'>"
                    f"<input type='hidden' name='decision' value='{verb}'>"
                    f"<input name='reason' placeholder='reason' size='16'> <button>{verb}</button></form> "
                    for verb in ("approve", "reject")
                )
            )
        rows.append(
            (run(w.workflow_id), w.workflow_type, w.state, w.waiting_for, ", ".join(w.eligible_now), action)
        )
    return said + table(("run", "type", "state", "waiting for", "may decide now", ""), rows)


def overview_page(user: str, o: Overview, temporal_ui: str, decisions: Decisions | None = None) -> str:
    spend, conv = o.total("spend"), o.total("conversions")
    clicks, impressions = o.total("clicks"), o.total("impressions")
    kpis = [("spend", f"{spend:,.2f}"), ("conversions", f"{conv:,.0f}"),
            ("CPA", f"{spend / conv:,.2f}" if conv else "-"),
            ("CTR", f"{clicks / impressions * 100:.2f} %" if impressions else "-"),
            ("CVR", f"{conv / clicks * 100:.2f} %" if clicks else "-")]  # fmt: skip
    cards = "".join(
        f"<div class='kpi'>{escape(k)}<b id='kpi-{escape(k.lower())}'>{v}</b></div>" for k, v in kpis
    )
    days = [d.day.isoformat() for d in o.days]
    trend = go.Figure()
    trend.add_bar(x=days, y=[d.spend for d in o.days], name="spend")
    trend.add_scatter(x=days, y=[d.spend / d.conversions if d.conversions else None for d in o.days],
                      name="CPA", yaxis="y2")  # fmt: skip
    trend.update_layout(title="Spend and CPA per day", yaxis2={"overlaying": "y", "side": "right"})
    funnel = go.Figure(go.Funnel(y=["impressions", "clicks", "conversions"], x=[impressions, clicks, conv]))
    funnel.update_layout(title="Funnel")
    cvr = go.Figure(
        go.Scatter(x=days, y=[d.conversions / d.clicks * 100 if d.clicks else None for d in o.days])
    )
    cvr.update_layout(title="CVR per day (%)")
    charts = _figure(trend, "trend") + _figure(funnel, "funnel") + _figure(cvr, "cvr")

    def run(workflow_id: str | None) -> str:
        if not workflow_id:
            return ""
        href = f"{temporal_ui}/namespaces/default/workflows/{escape(workflow_id)}"
        return Html(f"<a href='{href}'>{escape(workflow_id)}</a>")

    def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
        keys = sorted(set(before or {}) | set(after or {}))
        changed = [k for k in keys if (before or {}).get(k) != (after or {}).get(k)]
        return "; ".join(f"{k}: {json.dumps((before or {}).get(k))} → {json.dumps((after or {}).get(k))}"
                         for k in changed[:6])  # fmt: skip

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value * 100:.2f} %"

    def minutes(seconds: float | None) -> str:
        return "-" if seconds is None else f"{seconds / 60:.1f}"

    campaigns = [
        (c["campaign_id"], c["name"], c["spend"], int(c["impressions"]), int(c["clicks"]),
         int(c["conversions"]), c["cpa"])
        for c in o.campaigns
    ]  # fmt: skip
    creatives = [
        (m.ad_id, m.name, int(m.impressions), pct(m.early_ctr), pct(m.hook_rate), pct(m.completion_rate),
         pct(m.conversion_share))
        for m in o.creatives
    ]  # fmt: skip
    experiments = [(e.experiment_id, e.name, e.kind, e.policy, e.status) for e in o.experiments]
    changes = [
        (str(c.created_at)[:19], f"{c.entity_type} {c.entity_id}", diff(c.before, c.after), c.reason, c.actor,
         run(c.workflow_id))
        for c in o.changes
    ]  # fmt: skip
    cycles = [
        (run(c.workflow_id), str(c.as_of)[:16], c.applied, c.gated, "; ".join(c.notes)[:200])
        for c in o.cycles
    ]
    recoveries = [
        (run(r.workflow_id), r.ad_id, r.state, r.reason, r.replacement_ad_id, minutes(r.mttr_seconds))
        for r in o.recoveries
    ]
    alerts = [(str(a.created_at)[:19], a.level, a.kind, a.title) for a in o.alerts]
    sections = [
        ("Waiting for approval", _decisions(o, decisions, run) if decisions else ""),
        (
            "Campaigns",
            table(("campaign", "name", "spend", "impressions", "clicks", "conversions", "CPA"), campaigns),
        ),
        (
            "Creatives",
            table(("ad", "name", "impressions", "early CTR", "hook rate", "completion", "share"), creatives),
        ),
        ("Experiments", table(("experiment", "name", "kind", "policy", "status"), experiments)),
        ("Changes", table(("when", "object", "change", "reason", "by", "run"), changes)),
        ("Optimization cycles", table(("run", "as of", "applied", "waiting for approval", "notes"), cycles)),
        (
            "Rejection recoveries",
            table(("run", "ad", "state", "reason", "replacement", "MTTR (min)"), recoveries),
        ),
        ("Alerts", table(("when", "level", "kind", "title"), alerts)),
    ]
    exports = (f"<p>Export: <a href='/a/{escape(o.advertiser_id)}/export.csv'>CSV</a> · "
               f"<a href='/a/{escape(o.advertiser_id)}/export.xlsx'>Excel</a></p>")  # fmt: skip
    body = (
        f"<h1>{escape(o.name)} <span class='muted'>{escape(o.advertiser_id)}</span></h1>"
        f"<p class='muted'>{o.first} to {o.last}</p><div class='kpis'>{cards}</div>"
        f"<div class='charts'>{charts}</div>{exports}"
        + "".join(f"<h2>{escape(title)}</h2>{content}" for title, content in sections)
        + "<p class='muted'>Nothing is edited here; approvals are signed for the approver who makes them.</p>"
    )
    return layout(o.name, user, body)
