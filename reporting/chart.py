"""The advertiser chart of ``starter.py report``: spend, conversions and CPA per day from the
stored report rows, each optimization cycle that changed something marked where it
decided (TikTok's time), as a PNG (matplotlib) and an HTML page that embeds it and lists
the cycles with their notes."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path


@dataclass(frozen=True)
class Day:
    day: date
    spend: float
    conversions: float

    @property
    def cpa(self) -> float | None:
        return self.spend / self.conversions if self.conversions else None


@dataclass(frozen=True)
class Decision:
    """One cycle that decided: when (TikTok's time), how many moves, and its notes."""

    workflow_id: str
    at: datetime
    applied: int
    gated: int
    notes: list[str]


def png(advertiser_id: str, days: list[Day], decisions: list[Decision], target_cpa: float | None) -> bytes:
    """The three panels, sharing the time axis; a dotted line per deciding cycle."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    x = [d.day for d in days]
    fig, axes = plt.subplots(3, 1, figsize=(11, 8), sharex=True, constrained_layout=True)
    spend, conv, cpa = axes
    spend.bar(x, [d.spend for d in days], color="#4c78a8")
    spend.set_ylabel("spend / day")
    conv.bar(x, [d.conversions for d in days], color="#59a14f")
    conv.set_ylabel("conversions / day")
    cpa.plot(x, [d.cpa if d.cpa is not None else float("nan") for d in days], marker="o", color="#e15759")
    if target_cpa:
        cpa.axhline(target_cpa, color="#999999", linestyle="--", label=f"target CPA {target_cpa:g}")
        cpa.legend(loc="upper left")
    cpa.set_ylabel("CPA")
    for d in decisions:
        for ax in axes:
            ax.axvline(d.at, color="#f28e2b", linestyle=":", linewidth=1)
    if decisions:
        spend.plot([], [], color="#f28e2b", linestyle=":", label="optimization cycle that changed something")
        spend.legend(loc="upper left")
    spend.set_title(f"Advertiser {advertiser_id}: {x[0]} to {x[-1]}" if x else f"Advertiser {advertiser_id}")
    fig.autofmt_xdate()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100)
    plt.close(fig)
    return out.getvalue()


def page(advertiser_id: str, image: bytes, days: list[Day], decisions: list[Decision]) -> str:
    """A self-contained HTML page: the chart inline, the days as a table, the cycles' notes."""
    rows = "".join(
        f"<tr><td>{d.day}</td><td>{d.spend:,.2f}</td><td>{d.conversions:g}</td>"
        f"<td>{'' if d.cpa is None else f'{d.cpa:,.2f}'}</td></tr>"
        for d in days
    )
    cycles = "".join(
        f"<li><b>{d.at:%Y-%m-%d %H:%M}</b> {html.escape(d.workflow_id)}: {d.applied} applied, {d.gated} gated"
        + "".join(f"<br><small>{html.escape(n)}</small>" for n in d.notes)
        + "</li>"
        for d in decisions
    )
    picture = base64.b64encode(image).decode()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Advertiser {html.escape(advertiser_id)}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{padding:2px 10px;text-align:right}}</style>
</head><body>
<h1>Advertiser {html.escape(advertiser_id)}</h1>
<img alt="spend, conversions and CPA per day" src="data:image/png;base64,{picture}">
<h2>Days</h2><table><tr><th>day</th><th>spend</th><th>conversions</th><th>CPA</th></tr>{rows}</table>
<h2>Cycles that changed something</h2><ul>{cycles or "<li>none yet</li>"}</ul>
</body></html>
"""


def write(
    out_dir: Path, advertiser_id: str, days: list[Day], decisions: list[Decision], target_cpa: float | None
) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    image = png(advertiser_id, days, decisions, target_cpa)
    png_path = out_dir / f"report-{advertiser_id}.png"
    html_path = out_dir / f"report-{advertiser_id}.html"
    png_path.write_bytes(image)
    html_path.write_text(page(advertiser_id, image, days, decisions))
    return png_path, html_path
