"""Alerts: what a workflow, a detector or the receiver raises, and what became of it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Level = Literal["critical", "warning", "info"]


class Alert(BaseModel):
    """One alert. The same ``dedupe_key`` within the window is sent once."""

    level: Level
    kind: str = Field(max_length=64, description="e.g. ad_rejected, recovery_escalated, cpa_spike")
    title: str = Field(max_length=300)
    body: str = ""
    advertiser_id: str | None = None
    workflow_id: str | None = None
    dedupe_key: str | None = Field(default=None, max_length=300, description="default: kind/advertiser/title")
    approval_workflow_id: str | None = Field(
        default=None, description="an approval request: Slack shows Approve/Reject buttons for this workflow"
    )

    def key(self) -> str:
        return self.dedupe_key or f"{self.kind}/{self.advertiser_id or '-'}/{self.title}"[:300]


class AlertSent(BaseModel):
    """What ``send_alert`` did: stored (id), skipped as a duplicate, held for the morning."""

    alert_id: int | None = None
    duplicate: bool = False
    held_until: datetime | None = None
    deliveries: dict[str, str] = Field(default_factory=dict, description="channel -> sent | error ...")


class DetectInput(BaseModel):
    """What ``detect_anomalies`` looks at: the advertiser's stored rows up to ``as_of``."""

    advertiser_id: str
    as_of: datetime = Field(description="TikTok's time the cycle's window ends at")
    cycle: str = Field(description="the cycle's workflow id (alerts name it)")
    learning_conversions: int = 50
    alert: bool = Field(default=True, description="False (a dry run): detect and report only")
    on_critical: Literal["alert", "pause", "approve_pause", "rollback"] = "alert"


class AnomalyReport(BaseModel):
    """Findings as lines, the alerts sent, and the ad groups a critical spend anomaly asks to pause."""

    lines: list[str] = Field(default_factory=list)
    alerts_sent: int = 0
    pause_adgroups: dict[str, str] = Field(default_factory=dict, description="ad group id -> why")
    rollback_cycle: str | None = Field(default=None, description="the earlier cycle to roll back")
    rollback_reason: str | None = None
