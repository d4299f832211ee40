"""``CampaignLaunch``: its input (plain JSON), decisions, status and result.

Field names follow TikTok's create endpoints where they map one to one, so an operator
who knows the API recognises them; guardrails are checked in ``policy.guardrails``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from models.changes import EntityChange
from models.identity import Signing
from models.workflows import AdvertiserId, WorkflowInput

ApprovalPolicy = Literal["none", "single", "two_stage"]
ApprovalState = Literal[
    "not_required", "pending_stage_1", "pending_stage_2", "approved", "rejected", "timed_out", "refused"
]
Outcome = Literal["launched", "rejected", "approval_timeout", "refused"]
Name = Annotated[str, Field(min_length=1, max_length=480)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdSpec(_Spec):
    """One ad: its creative (an uploaded ``video_id`` / ``image_ids``, or a URL or a file path
    on the worker to upload during the launch, or an approved item of the creative pool by
    ``pool_id``), text, call to action, landing page."""

    ad_name: Name
    ad_format: Literal["SINGLE_VIDEO", "SINGLE_IMAGE"] = "SINGLE_VIDEO"
    ad_text: str = Field(
        default="",
        max_length=100,
        description="at most 100 characters (section 12); from the pool item if empty",
    )
    video_id: str | None = None
    video_url: HttpUrl | None = None
    video_path: str | None = None
    image_ids: list[str] = Field(default_factory=list)
    image_urls: list[HttpUrl] = Field(default_factory=list)
    image_paths: list[str] = Field(default_factory=list)
    call_to_action: str = "LEARN_MORE"
    landing_page_url: HttpUrl | None = Field(
        default=None, description="required unless the pool item has one"
    )
    pool_id: int | None = Field(
        default=None, description="an approved creative of the pool (starter.py creatives list) for this ad"
    )
    display_name: str | None = None
    category: str | None = Field(default=None, description="content category, checked against exclusions")

    @model_validator(mode="after")
    def _creative(self) -> AdSpec:
        if self.pool_id is not None:
            if any(self.video_sources()) or self.image_ids or self.image_urls or self.image_paths:
                raise ValueError("pool_id: give a pool item or a creative, not both")
            return self  # the pool item's creative, text and landing page fill the rest at launch
        if not self.ad_text:
            raise ValueError("ad_text: required (at most 100 characters)")
        if self.landing_page_url is None:
            raise ValueError("landing_page_url: required")
        if self.ad_format == "SINGLE_VIDEO" and sum(bool(v) for v in self.video_sources()) != 1:
            raise ValueError("a SINGLE_VIDEO ad needs exactly one of video_id, video_url, video_path")
        if self.ad_format == "SINGLE_IMAGE" and not (self.image_ids or self.image_urls or self.image_paths):
            raise ValueError("a SINGLE_IMAGE ad needs image_ids, image_urls or image_paths")
        return self

    def video_sources(self) -> tuple[str | None, HttpUrl | None, str | None]:
        return self.video_id, self.video_url, self.video_path

    def uploads(self) -> list[tuple[str, str | None, str | None]]:
        """What this ad still needs uploaded: ``(kind, url, path)`` in a stable order."""
        out: list[tuple[str, str | None, str | None]] = []
        if self.ad_format == "SINGLE_VIDEO" and (self.video_url or self.video_path):
            out.append(("video", str(self.video_url) if self.video_url else None, self.video_path))
        if self.ad_format == "SINGLE_IMAGE":
            out += [("image", str(u), None) for u in self.image_urls] + [
                ("image", None, p) for p in self.image_paths
            ]
        return out


class AdGroupSpec(_Spec):
    adgroup_name: Name
    budget_mode: Literal["BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL"] = "BUDGET_MODE_DAY"
    budget: float = Field(gt=0)
    placement_type: Literal["PLACEMENT_TYPE_AUTOMATIC", "PLACEMENT_TYPE_NORMAL"] = "PLACEMENT_TYPE_AUTOMATIC"
    placements: list[str] = Field(default_factory=list)
    location_ids: list[str] = Field(default_factory=lambda: ["6252001"])
    age_groups: list[str] = Field(default_factory=list)
    gender: Literal["GENDER_UNLIMITED", "GENDER_MALE", "GENDER_FEMALE"] = "GENDER_UNLIMITED"
    schedule_type: Literal["SCHEDULE_FROM_NOW", "SCHEDULE_START_END"] = "SCHEDULE_FROM_NOW"
    schedule_start_time: str | None = None
    schedule_end_time: str | None = None
    dayparting: str | None = Field(default=None, description="TikTok's 336-character half-hour mask")
    optimization_goal: str = "CONVERT"
    billing_event: str = "OCPM"
    bid_strategy: Literal["max_delivery", "cost_cap"] = "max_delivery"
    target_cpa: float | None = Field(default=None, gt=0)
    conversion_bid_price: float | None = Field(default=None, gt=0, description="the Cost Cap bid")
    pacing: Literal["PACING_MODE_SMOOTH", "PACING_MODE_FAST"] = "PACING_MODE_SMOOTH"
    ads: list[AdSpec] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _bid(self) -> AdGroupSpec:
        if self.bid_strategy == "cost_cap" and (self.conversion_bid_price is None or self.target_cpa is None):
            raise ValueError("cost_cap needs conversion_bid_price and target_cpa")
        if self.schedule_type == "SCHEDULE_START_END" and not (
            self.schedule_start_time and self.schedule_end_time
        ):
            raise ValueError("SCHEDULE_START_END needs schedule_start_time and schedule_end_time")
        return self


class CampaignSpec(_Spec):
    campaign_name: Name
    objective_type: str = "CONVERSIONS"
    budget_mode: Literal["BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL", "BUDGET_MODE_INFINITE"] = "BUDGET_MODE_DAY"
    budget: float | None = Field(default=None, gt=0)


class CampaignLaunchInput(WorkflowInput):
    """Everything a launch needs; plain JSON (see examples/campaign_launch.json)."""

    advertiser_id: AdvertiserId
    campaign: CampaignSpec
    adgroups: list[AdGroupSpec] = Field(min_length=1, max_length=50)
    requester: str = Field(min_length=1, max_length=128)
    approval_policy: ApprovalPolicy = "single"
    approval_deadline_hours: float = Field(default=72, gt=0, le=24 * 30)
    reminder_every_hours: float = Field(default=24, gt=0)
    on_failure: Literal["pause", "delete"] = "pause"
    template: str | None = Field(
        default=None, description="a saved launch template; the other fields override it (deep merge)"
    )

    @model_validator(mode="after")
    def _unique_names(self) -> CampaignLaunchInput:
        """Objects are found again by name under their parent (create-or-get): names must not
        repeat among the launch's ad groups, nor among the ads of one ad group."""
        groups = [g.adgroup_name for g in self.adgroups]
        if len(set(groups)) != len(groups):
            raise ValueError(f"adgroups: ad group names repeat ({_repeated(groups)}); make them unique")
        for i, g in enumerate(self.adgroups):
            ads = [a.ad_name for a in g.ads]
            if len(set(ads)) != len(ads):
                raise ValueError(f"adgroups[{i}].ads: ad names repeat ({_repeated(ads)}); make them unique")
        return self

    def summary(self) -> str:
        return (
            f"Launch '{self.campaign.campaign_name}' for advertiser {self.advertiser_id}: "
            f"{len(self.adgroups)} ad group(s), requested by {self.requester}, "
            f"approval {self.approval_policy}"
        )


def _repeated(names: list[str]) -> str:
    return ", ".join(sorted({n for n in names if names.count(n) > 1}))


class Recommendation(BaseModel):
    """The recommender's suggested structure, shown to approvers beside the request."""

    adgroups: int
    daily_budget_per_adgroup: float
    bid_strategy: str
    notes: list[str] = Field(default_factory=list)


class Violation(BaseModel):
    """One guardrail or pre-flight failure: where, which rule, why."""

    field: str
    rule: str
    message: str


Verdict = Literal["approve", "reject"]


class Decision(BaseModel):
    approver: str
    decision: Verdict
    stage: int
    reason: str | None = None
    at: datetime
    via: str | None = Field(default=None, description="cli, slack, dashboard: where it was made")
    key_id: str | None = Field(default=None, description="the key that signed it (signed approvals)")
    nonce: str | None = Field(default=None, description="its signature's nonce: never accepted twice")


class ApprovalRequest(BaseModel):
    """Argument of the ``approve`` / ``reject`` update and signal."""

    model_config = ConfigDict(extra="forbid")

    approver: str = Field(min_length=1, max_length=128)
    reason: str | None = Field(default=None, max_length=1000)
    stage: int | None = Field(default=None, ge=1, le=2, description="refuse if this stage is already decided")
    # A signed approval (models.identity): required where ``require_signed_approvals`` is on.
    via: Literal["cli", "slack", "dashboard"] | None = None
    key_id: str | None = Field(default=None, max_length=64)
    signed_at: datetime | None = None
    nonce: str | None = Field(default=None, max_length=64)
    signature: str | None = Field(default=None, max_length=256, description="Ed25519, hex")


class Created(BaseModel):
    campaign_id: str | None = None
    adgroup_ids: list[str] = Field(default_factory=list)
    ad_ids: list[str] = Field(default_factory=list)


class LaunchStatus(BaseModel):
    """What the ``status`` query answers: the step, who decided what, what it waits for, and
    why it was refused or failed."""

    step: str
    approval_state: ApprovalState = "not_required"
    waiting_for: str | None = None
    approvers: list[str] = Field(default_factory=list)
    eligible_now: list[str] = Field(default_factory=list, description="who may decide the waiting stage")
    decisions: list[Decision] = Field(default_factory=list)
    refused: list[str] = Field(default_factory=list, description="approvals by signal that were refused")
    deadline: datetime | None = None
    recommendation: Recommendation | None = None
    created: Created = Field(default_factory=Created)
    violations: list[Violation] = Field(default_factory=list, description="why guardrails refused it")
    failure: str | None = Field(default=None, description="why it failed, once it has")

    def details(self) -> str:
        """What the Web UI shows at the top of the run: the step, what it waits for, why it
        was refused or failed (Temporal markdown)."""
        lines = [f"**{self.step}** (approval: {self.approval_state})"]
        if self.waiting_for:
            deadline = f", deadline {self.deadline:%Y-%m-%d %H:%M} UTC" if self.deadline else ""
            lines.append(f"Waiting for {self.waiting_for}{deadline}")
        lines += [f"Refused: {v.field}: {v.message}" for v in self.violations]
        lines += [f"Signal refused: {r}" for r in self.refused[-3:]]
        if self.failure:
            lines.append(f"Failed: {self.failure}")
        return "\n".join(lines)


class LaunchResult(BaseModel):
    outcome: Outcome
    reason: str | None = None
    created: Created = Field(default_factory=Created)
    decisions: list[Decision] = Field(default_factory=list)
    changes: list[EntityChange] = Field(default_factory=list)
    violations: list[Violation] = Field(default_factory=list)


class LaunchPlan(BaseModel):
    """What ``prepare_launch`` found: violations (empty = go), who may approve, and the keys
    their signed approvals are checked with."""

    violations: list[Violation] = Field(default_factory=list)
    approvers: list[str] = Field(default_factory=list)
    signing: Signing = Field(default_factory=Signing)
    recommendation: Recommendation | None = None


NoticeKind = Literal[
    "approval_requested", "approval_reminder", "approval_turn", "approval_timeout", "launch_outcome"
]


class Notice(BaseModel):
    """What people are to be told about a launch, as facts; the notifier renders the words
    for each channel. ``subject``/``body`` are set only by workers older than the notifier."""

    kind: str
    advertiser_id: str
    recipients: list[str]
    dedupe_key: str
    workflow_id: str | None = None
    campaign_name: str | None = None
    requester: str | None = None
    approval_policy: str | None = None
    adgroups: int = 0
    stage: int | None = None
    deadline: datetime | None = None
    recommendation: Recommendation | None = None
    outcome: str | None = None
    reason: str | None = None
    subject: str | None = None
    body: str | None = None


def launch_notice(
    inp: CampaignLaunchInput,
    status: LaunchStatus,
    workflow_id: str,
    kind: str,
    recipients: list[str],
    key: str,
    *,
    stage: int | None = None,
    outcome: str | None = None,
    reason: str | None = None,
) -> Notice:
    """The facts of a launch that a notice to people carries."""
    return Notice(
        kind=kind,
        advertiser_id=inp.advertiser_id,
        recipients=recipients,
        dedupe_key=key,
        workflow_id=workflow_id,
        campaign_name=inp.campaign.campaign_name,
        requester=inp.requester,
        approval_policy=inp.approval_policy,
        adgroups=len(inp.adgroups),
        stage=stage,
        deadline=status.deadline,
        recommendation=status.recommendation,
        outcome=outcome,
        reason=reason,
    )


class Notified(BaseModel):
    """Whether the notice was new (a retried activity finds it already recorded)."""

    written: bool

    @model_validator(mode="before")
    @classmethod
    def _bare_bool(cls, value: Any) -> Any:
        return {"written": value} if isinstance(value, bool) else value


class TemplateRequest(BaseModel):
    """``resolve_template``'s input: the launch request as given, naming its template."""

    given: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _bare_request(cls, value: Any) -> Any:
        """Scheduled by older workers: the request itself."""
        return {"given": value} if isinstance(value, dict) and "given" not in value else value

    @property
    def template(self) -> str:
        return str(self.given.get("template"))


class UploadCreativeInput(BaseModel):
    advertiser_id: str
    key: str
    kind: Literal["video", "image"]
    name: str
    url: str | None = None
    path: str | None = None
    actor: str = "CampaignLaunch"


class Uploaded(BaseModel):
    """An uploaded creative: its id and the facts the pre-flight checked."""

    kind: Literal["video", "image"]
    creative_id: str
    file_name: str | None = None
    duration: float | None = None
    format: str | None = None
    cover_url: str | None = Field(default=None, description="the cover TikTok made of a video")
    change: EntityChange | None = None
