"""``OptimizationCycle``: its input and settings, the decisions (moves) it makes, and its
status and result.

A move is one proposed change (a budget, a bid, a pause or a resume) with everything an
operator needs to judge it: the value before and after, the rule that proposed it, the
guardrails that clipped it, the numbers it was decided from, the expected effect and one
line of reason. Moves travel through history; report rows never do (the store keeps them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.experiments import ExperimentReport
from models.identity import Signing
from models.launch import ApprovalState, Decision
from models.workflows import AdvertiserId, WorkflowInput

MoveKind = Literal["budget", "bid", "bid_type", "pause", "resume"]
CycleOutcome = Literal["applied", "dry_run", "nothing_to_do", "rolled_back_previous"]


class CycleSettings(BaseModel):
    """How boldly the cycle may move; every number has the spec's default (section 12/20)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_cpa: float | None = Field(
        default=None, gt=0, description="Cost Cap target; bids stay within ±30 %"
    )
    monthly_budget: float | None = Field(
        default=None, gt=0, description="overrides the advertiser's monthly budget in the store"
    )
    max_move: float = Field(default=0.5, gt=0, le=1, description="largest budget change per cycle (fraction)")
    min_move: float = Field(default=0.05, ge=0, lt=1, description="smaller budget changes are noise: skipped")
    approval_move: float = Field(default=0.3, gt=0, description="budget moves beyond this need an approval")
    max_changes_per_day: int = Field(default=100, ge=1, description="changes beyond this a day need approval")
    exploration_floor: float = Field(default=0.10, ge=0, le=0.5, description="share of budget kept exploring")
    cold_start_conversions: int = Field(
        default=20, ge=0, description="below this many conversions in 7 days: equal split"
    )
    learning_conversions: int = Field(default=50, ge=1, description="7-day conversions that end learning")
    learning_max_move: float = Field(
        default=0.2, gt=0, le=1, description="largest budget move of an ad group in learning"
    )
    half_life_days: float = Field(
        default=2.0, gt=0, le=30, description="a day this old counts half as much in the posteriors"
    )
    bid_step: float = Field(default=0.1, gt=0, le=0.3, description="largest bid change per cycle (fraction)")
    pause_probability: float = Field(
        default=0.95, gt=0.5, lt=1, description="posterior probability of being worse that pauses"
    )
    min_ad_impressions: int = Field(default=3000, ge=0, description="an ad needs this much data to be paused")
    min_adgroup_spend_in_cpa: float = Field(
        default=2.0, ge=0, description="an ad group needs this many target CPAs of spend to be paused"
    )
    max_moves: int = Field(
        default=300,
        ge=1,
        le=2000,
        description="moves one cycle makes at most (the largest first; the rest wait for the next cycle), "
        "which keeps a big account's history small",
    )
    approve_adgroup_pauses: bool = Field(default=True, description="pausing an ad group waits for a person")
    on_critical_anomaly: Literal["alert", "pause", "approve_pause", "rollback"] = Field(
        default="alert",
        description="a critical spend spike: alert only, pause the ad group at once, or ask to pause it; "
        "rollback: a critical CPA or spend spike rolls back the last cycle that changed something "
        "(within 24 h) and this cycle changes nothing",
    )
    approval_hours: float = Field(default=1.5, gt=0, le=24, description="how long gated moves wait")
    dry_run: bool = Field(default=False, description="decide and explain, change nothing")
    seed: int | None = Field(default=None, description="Thompson sampling seed (default: from the run id)")


class OptimizationCycleInput(WorkflowInput):
    """``{"advertiser_id": "7000000000000000001", "settings": {"target_cpa": 40}}``."""

    advertiser_id: AdvertiserId = Field(description="TikTok advertiser id (digits only)")
    settings: CycleSettings = Field(default_factory=CycleSettings)
    as_of: datetime | None = Field(
        default=None, description="end of the report window (default: the scheduled time, else now)"
    )
    actor: str = Field(default="optimizer", min_length=1, max_length=128)

    def summary(self) -> str:
        mode = " (dry run)" if self.settings.dry_run else ""
        return f"Optimize advertiser {self.advertiser_id}: budgets, bids, creatives{mode}"


class Move(BaseModel):
    """One decision: what changes, from what to what, why, and what clipped it."""

    kind: MoveKind
    entity_type: Literal["campaign", "adgroup", "ad"]
    entity_id: str
    name: str = ""
    before: float | str | None = None
    after: float | str | None = None
    rule: str = Field(
        description="what proposed it: thompson, cold_start, pacing, cost_cap, creative_worse ..."
    )
    reason: str
    clipped_by: list[str] = Field(default_factory=list, description="guardrails that limited the move")
    inputs: dict[str, float] = Field(default_factory=dict, description="the numbers it was decided from")
    expected: str | None = Field(default=None, description="the forecast effect, in words")
    needs_approval: bool = False
    approval_reason: str | None = None

    def line(self) -> str:
        """One line an operator reads in the UI and the CLI."""
        change = (
            f"{self.kind} {_fmt(self.before)} -> {_fmt(self.after)}"
            if self.kind in ("budget", "bid")
            else self.kind
        )
        clipped = f" [clipped: {', '.join(self.clipped_by)}]" if self.clipped_by else ""
        return f"{self.entity_type} {self.name or self.entity_id} {change}: {self.reason}{clipped}"

    @classmethod
    def status(
        cls,
        kind: Literal["pause", "resume"],
        entity_type: Literal["adgroup", "ad"],
        entity_id: str,
        name: str,
        rule: str,
        reason: str,
        inputs: dict[str, float] | None = None,
    ) -> Move:
        """A pause (ENABLE -> DISABLE) or a resume (DISABLE -> ENABLE)."""
        before, after = ("ENABLE", "DISABLE") if kind == "pause" else ("DISABLE", "ENABLE")
        return cls(
            kind=kind, entity_type=entity_type, entity_id=entity_id, name=name, before=before, after=after,
            rule=rule, reason=reason, inputs=inputs or {},
        )  # fmt: skip

    @classmethod
    def budget(cls, adgroup_id: str, name: str, before: float, after: float, rule: str, reason: str) -> Move:
        """A new daily budget of an ad group."""
        return cls(
            kind="budget", entity_type="adgroup", entity_id=adgroup_id, name=name, before=before, after=after,
            rule=rule, reason=reason,
        )  # fmt: skip

    @property
    def relative(self) -> float:
        """Relative size of a budget or bid move (0 for status moves)."""
        if isinstance(self.before, float | int) and isinstance(self.after, float | int) and self.before:
            return abs(float(self.after) / float(self.before) - 1)
        return 0.0


def _fmt(value: float | str | None) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


class ReportPullInput(BaseModel):
    advertiser_id: str
    as_of: datetime | None = Field(default=None, description="the window's end in TikTok's time")
    scheduled_at: datetime | None = Field(default=None, description="the schedule's time for this run")
    lookback_days: int = Field(default=7, ge=1, le=30)


class ReportPull(BaseModel):
    """What ``pull_reports`` stored (a reference, not the rows): counts and the window."""

    advertiser_id: str
    as_of: datetime = Field(description="TikTok's time the window ends at")
    window_start: datetime
    ad_rows: int = 0
    hourly_rows: int = 0
    campaigns: int = 0
    adgroups: int = 0
    ads: int = 0


class DecideInput(BaseModel):
    pull: ReportPull
    settings: CycleSettings = Field(default_factory=CycleSettings)
    seed: int = 0
    actor: str = "optimizer"
    cycle: str | None = Field(
        default=None, description="the deciding cycle's workflow id (experiments it ends)"
    )


class CyclePlan(BaseModel):
    """What ``decide_changes`` proposes: moves, notes on the whole account, who may approve."""

    advertiser_id: str
    moves: list[Move] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="account-level facts: pacing, cold start")
    held: list[str] = Field(default_factory=list, description="moves not made, and why (learning ...)")
    daily_target: float | None = None
    approvers: list[str] = Field(default_factory=list)
    signing: Signing = Field(default_factory=Signing, description="checks approvals of the gated moves")
    experiments: list[ExperimentReport] = Field(default_factory=list, description="each running one's look")


class CycleStatus(BaseModel):
    """What the ``status`` query answers; the approval fields are those of a launch."""

    step: str
    advertiser_id: str = ""
    approval_state: ApprovalState = "not_required"
    waiting_for: str | None = None
    approvers: list[str] = Field(default_factory=list)
    eligible_now: list[str] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    refused: list[str] = Field(default_factory=list)
    deadline: datetime | None = None
    window: str | None = None
    notes: list[str] = Field(default_factory=list)
    held: list[str] = Field(default_factory=list)
    applied: list[Move] = Field(default_factory=list)
    gated: list[Move] = Field(default_factory=list, description="moves waiting for, or denied, approval")
    dropped: list[str] = Field(default_factory=list)
    anomalies: list[str] = Field(default_factory=list, description="what the detectors found this cycle")
    rollback: str | None = Field(default=None, description="the earlier cycle a critical anomaly rolls back")
    recoveries: list[str] = Field(
        default_factory=list, description="RejectionRecovery runs handed rejected ads no webhook announced"
    )

    def brief(self) -> CycleApproval:
        return CycleApproval(
            step=self.step,
            approval_state=self.approval_state,
            waiting_for=self.waiting_for,
            eligible_now=self.eligible_now,
            deadline=self.deadline,
            decisions=self.decisions,
            refused=self.refused,
            applied=len(self.applied),
            gated=len(self.gated),
            dropped=len(self.dropped),
        )

    def details(self) -> str:
        """The Web UI's current details: what it waits for, what it changed and why (markdown)."""
        lines = [f"**{self.step}**" + (f" (window {self.window})" if self.window else "")]
        if self.waiting_for:
            deadline = f", deadline {self.deadline:%Y-%m-%d %H:%M} UTC" if self.deadline else ""
            lines.append(f"Waiting for {self.waiting_for}{deadline}")
        lines += self.notes
        lines += [f"- {m.line()}" for m in self.applied[:20]]
        if len(self.applied) > 20:
            lines.append(f"- ... and {len(self.applied) - 20} more (query status)")
        lines += [f"- awaiting approval: {m.line()}" for m in self.gated[:10]]
        lines += [f"Held: {h}" for h in self.held[:10]]
        lines += [f"Dropped: {d}" for d in self.dropped[:10]]
        return "\n".join(lines)


class CycleApproval(BaseModel):
    """What ``approve`` / ``reject`` answer: the approval's state and counts; each move with
    its inputs is in the ``status`` query (history keeps it once, in the decision)."""

    step: str
    approval_state: ApprovalState
    waiting_for: str | None = None
    eligible_now: list[str] = Field(default_factory=list)
    deadline: datetime | None = None
    decisions: list[Decision] = Field(default_factory=list)
    refused: list[str] = Field(default_factory=list)
    applied: int = 0
    gated: int = 0
    dropped: int = 0


class CycleResult(BaseModel):
    """The cycle's outcome in a few lines per move: the moves themselves, with their inputs,
    are in the decision's result and the ``status`` query, the changes in the apply steps'."""

    outcome: CycleOutcome
    advertiser_id: str
    window: str
    applied: list[str] = Field(default_factory=list, description="one line per move applied")
    proposed: list[str] = Field(default_factory=list, description="a dry run's moves, one line each")
    dropped: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    held: list[str] = Field(default_factory=list)
    changed: int = Field(default=0, description="change records written (each is in its activity's result)")
