"""What workflows may ask of activities: one typed signature per activity.

Workflows import this module inside the sandbox (it imports only models and
``temporalio.activity``, never httpx or a database driver) and call activities through
these methods with ``workflow.execute_activity_method``, so mypy checks every argument
and result end to end. The implementations subclass these classes in the sibling modules
(``sync``, ``tokens``, ``launch``, ``entities``, ``creatives``, ``rollback``,
``optimization``); mypy checks that each override keeps the signature, and
``worker.activities_for`` registers them. The activity names are the method names: what
an operator reads in the Temporal UI.
"""

from __future__ import annotations

from temporalio import activity

from models.alerts import Alert, AlertSent, AnomalyReport, DetectInput
from models.audience_runs import (
    ApplyInput,
    AudienceSize,
    FilesUploaded,
    JobOutcome,
    JobStreak,
    Resolved,
    SendInput,
    SizeInput,
    Staged,
    StageInput,
    Streamed,
    Target,
)
from models.changes import ChangeSet, EntityChange
from models.conversions import (
    ConversionSendInput,
    ConversionsSent,
    ConversionsStaged,
    ConversionStageInput,
)
from models.creative_ingest import (
    AssetCheck,
    AssetInput,
    CoverInput,
    DeriveInput,
    InspectAssetInput,
    RegisterInput,
    TextChoice,
    TextsInput,
)
from models.daily_report import Fatigue, PlanInput, PulledDay, PullInput, ReportPlan
from models.entities import (
    CreateAdGroupInput,
    CreateAdInput,
    CreateCampaignInput,
    SetStatusInput,
    UpdateBidsInput,
    UpdateBudgetsInput,
)
from models.launch import (
    CampaignLaunchInput,
    LaunchPlan,
    Notice,
    Notified,
    TemplateRequest,
    UploadCreativeInput,
    Uploaded,
)
from models.optimization import CyclePlan, DecideInput, ReportPull, ReportPullInput
from models.priors import PriorFitInput, PriorFitResult
from models.privacy import ForgetRequest, Forgotten, Purged, RetentionPurgeInput
from models.recovery import (
    InspectInput,
    PickInput,
    PoolCreative,
    ReconcileResult,
    RecoveryStatus,
    RejectedAd,
    ReviewCheck,
    ReviewVerdict,
    WatchInput,
)
from models.rollback import Restored, RestoreInput, RollbackInput, RollbackTarget, TargetChanges
from models.workflows import SyncCounts, TokenState


class MirrorSync:
    """``AdvertiserSync``: read one kind of object from TikTok into the store's mirror."""

    @activity.defn
    async def sync_advertiser_info(self, advertiser_id: str) -> str | None:
        """``advertiser/info/`` into the advertiser table; the account's name."""
        raise NotImplementedError

    @activity.defn
    async def sync_campaigns(self, advertiser_id: str) -> SyncCounts:
        raise NotImplementedError

    @activity.defn
    async def sync_adgroups(self, advertiser_id: str) -> SyncCounts:
        raise NotImplementedError

    @activity.defn
    async def sync_ads(self, advertiser_id: str) -> SyncCounts:
        raise NotImplementedError

    @activity.defn
    async def sync_creatives(self, advertiser_id: str) -> dict[str, SyncCounts]:
        """The videos and images the mirrored ads use: ``{"videos": ..., "images": ...}``."""
        raise NotImplementedError


class TokenLifecycle:
    """``TokenRefresh``: the token's state (never the token), refresh, health check."""

    @activity.defn
    async def token_state(self, advertiser_id: str) -> TokenState:
        raise NotImplementedError

    @activity.defn
    async def refresh_token(self, advertiser_id: str) -> TokenState:
        raise NotImplementedError

    @activity.defn
    async def check_token(self, advertiser_id: str) -> TokenState:
        raise NotImplementedError


class LaunchPreparation:
    """``CampaignLaunch`` before anything is created: checks, templates, people."""

    @activity.defn
    async def prepare_launch(self, inp: CampaignLaunchInput) -> LaunchPlan:
        """Guardrails, pre-flight, name checks, roles, approvers, recommended structure."""
        raise NotImplementedError

    @activity.defn
    async def resolve_pool_items(self, inp: CampaignLaunchInput) -> CampaignLaunchInput:
        """Ads given by ``pool_id`` get the approved pool item's creative, text and landing page."""
        raise NotImplementedError

    @activity.defn
    async def resolve_template(self, req: TemplateRequest) -> CampaignLaunchInput:
        raise NotImplementedError

    @activity.defn
    async def notify(self, notice: Notice) -> Notified:
        raise NotImplementedError


class EntityOperations:
    """Every change to campaigns, ad groups and ads, for every workflow that makes one.

    Each returns the change records (before, after, reason, actor, key) and writes them to
    the change log under the same key, so a retry records nothing twice.
    """

    @activity.defn
    async def create_campaign(self, inp: CreateCampaignInput) -> EntityChange:
        raise NotImplementedError

    @activity.defn
    async def create_adgroup(self, inp: CreateAdGroupInput) -> EntityChange:
        raise NotImplementedError

    @activity.defn
    async def create_ad(self, inp: CreateAdInput) -> EntityChange:
        raise NotImplementedError

    @activity.defn
    async def set_status(self, inp: SetStatusInput) -> ChangeSet:
        """ENABLE / DISABLE / DELETE, in TikTok's batches of 20."""
        raise NotImplementedError

    @activity.defn
    async def update_budgets(self, inp: UpdateBudgetsInput) -> ChangeSet:
        """Ad groups together through ``adgroup/budget/update/``; campaigns one by one."""
        raise NotImplementedError

    @activity.defn
    async def update_bids(self, inp: UpdateBidsInput) -> ChangeSet:
        raise NotImplementedError


class CreativeUploads:
    @activity.defn
    async def upload_creative(self, inp: UploadCreativeInput) -> Uploaded:
        """Upload a video or image once per key, wait until usable, pre-flight it."""
        raise NotImplementedError


class RollbackOperations:
    """``Rollback``: what a run changed (from its history) and setting it back."""

    @activity.defn
    async def read_changes(self, target: RollbackTarget) -> TargetChanges:
        raise NotImplementedError

    @activity.defn
    async def restore(self, inp: RestoreInput) -> Restored:
        """Set the run's changes ``start``..``stop`` back to ``before``, newest first."""
        raise NotImplementedError

    @activity.defn
    async def start_rollback(self, inp: RollbackInput) -> str:
        """Start ``Rollback`` of a run as a workflow of its own (``rollback-<id>``, once)."""
        raise NotImplementedError


class CycleOperations:
    """``OptimizationCycle``: the numbers in (to the store), the decisions out."""

    @activity.defn
    async def pull_reports(self, inp: ReportPullInput) -> ReportPull:
        """Refresh the mirror; store 7 days of ad rows, the month's spend, the window's hours."""
        raise NotImplementedError

    @activity.defn
    async def decide_changes(self, inp: DecideInput) -> CyclePlan:
        """Budgets, bids, creative pauses, each clipped by the guardrails, gated or not."""
        raise NotImplementedError


class PriorOperations:
    """``PriorFit``: the hierarchical model, fitted away from the workflow threads."""

    @activity.defn
    async def fit_priors(self, inp: PriorFitInput) -> PriorFitResult:
        """Fit advertiser -> campaign -> ad group priors to the stored rows; save the latest."""
        raise NotImplementedError


class RecoveryOperations:
    """``RejectionRecovery``: the rejected ad, the pool, review verdicts, the record; and the
    reconciler that starts recoveries for rejections no webhook announced."""

    @activity.defn
    async def inspect_rejection(self, inp: InspectInput) -> RejectedAd:
        """The ad, its group and review verdict now; what the rejection is about."""
        raise NotImplementedError

    @activity.defn
    async def pick_replacement(self, inp: PickInput) -> PoolCreative | None:
        raise NotImplementedError

    @activity.defn
    async def watch_review(self, inp: WatchInput) -> None:
        """Route the replacement ad's review events to this recovery."""
        raise NotImplementedError

    @activity.defn
    async def check_review(self, inp: ReviewCheck) -> ReviewVerdict:
        raise NotImplementedError

    @activity.defn
    async def record_recovery(self, status: RecoveryStatus) -> None:
        """The recovery's row (state, attempts, MTTR); tried pool items marked used or rejected."""
        raise NotImplementedError

    @activity.defn
    async def reconcile_reviews(self, advertiser_id: str) -> ReconcileResult:
        """Start a recovery for every rejected ad still enabled (a webhook that never came)."""
        raise NotImplementedError


class AlertOperations:
    @activity.defn
    async def send_alert(self, alert: Alert) -> AlertSent:
        """Store the alert (once per key and window) and send it to the configured channels."""
        raise NotImplementedError


class AnomalyOperations:
    @activity.defn
    async def detect_anomalies(self, inp: DetectInput) -> AnomalyReport:
        """CPA and spend spikes, stalls, CTR collapse, stalled learning, missing data; alerts sent."""
        raise NotImplementedError


class AudienceOperations:
    """``AudienceSync``: stage the source, find the audiences, send, and report sizes."""

    @activity.defn
    async def stage_audience(self, inp: StageInput) -> Staged:
        """Read the source once, check its columns and rows, hash, and spool; counts back."""
        raise NotImplementedError

    @activity.defn
    async def resolve_audiences(self, inp: SendInput) -> Resolved:
        """Find the named audiences (sizes, whether an ad group targets them) and the account's count."""
        raise NotImplementedError

    @activity.defn
    async def upload_audience_files(self, inp: SendInput) -> FilesUploaded:
        """Upload each spooled customer file once (``dmp/custom_audience/file/upload/``)."""
        raise NotImplementedError

    @activity.defn
    async def apply_audience_files(self, inp: ApplyInput) -> Target:
        """Create the audience or APPEND/REMOVE/REPLACE its members, 50 files per request."""
        raise NotImplementedError

    @activity.defn
    async def prepare_segments(self, inp: SendInput) -> list[Target]:
        """STREAMING: the segment audiences to write to, creating those named but missing."""
        raise NotImplementedError

    @activity.defn
    async def stream_audience_rows(self, inp: SendInput) -> Streamed:
        """STREAMING: ``segment/mapping/`` batches with ``thread_count`` senders, each chunk once."""
        raise NotImplementedError

    @activity.defn
    async def delete_segments(self, inp: SendInput) -> list[str]:
        """STREAMING DELETE_AUDIENCE: delete the audiences themselves."""
        raise NotImplementedError

    @activity.defn
    async def audience_sizes(self, inp: SizeInput) -> list[AudienceSize]:
        """TikTok's reported size (``cover_num``) of each audience."""
        raise NotImplementedError

    @activity.defn
    async def record_audience_outcome(self, outcome: JobOutcome) -> JobStreak:
        """Count a scheduled job's run; pause the job and alert after too many failures in a row."""
        raise NotImplementedError

    @activity.defn
    async def finish_audience_sync(self, run_key: str) -> None:
        """Remove the run's spool folder and progress records."""
        raise NotImplementedError


class ConversionOperations:
    """``ConversionUpload``: stage the events, then send them in batches."""

    @activity.defn
    async def stage_conversions(self, inp: ConversionStageInput) -> ConversionsStaged:
        """Read the source once: consent, time window, identifiers hashed; counts back."""
        raise NotImplementedError

    @activity.defn
    async def send_conversions(self, inp: ConversionSendInput) -> ConversionsSent:
        """``event/track/`` in batches of up to 1,000, each once; a refused event is split out."""
        raise NotImplementedError


class PrivacyOperations:
    """Deletion requests and the retention purge (section 16)."""

    @activity.defn
    async def forget_person(self, req: ForgetRequest) -> Forgotten:
        """Remove a person from every audience fed and from the store; audited by a keyed hash."""
        raise NotImplementedError

    @activity.defn
    async def purge_expired(self, inp: RetentionPurgeInput) -> Purged:
        """Delete leads, webhook events, alerts and progress records older than the retention period."""
        raise NotImplementedError


class DailyReportOperations:
    """``DailyReport``: plan the days to pull, then pull one day of one level."""

    @activity.defn
    async def plan_report_days(self, inp: PlanInput) -> ReportPlan:
        """The target day (yesterday in TikTok's time) and earlier days not pulled final yet."""
        raise NotImplementedError

    @activity.defn
    async def pull_report_day(self, inp: PullInput) -> PulledDay:
        """One level's day by async report task into ``daily_stat`` and a Parquet file."""
        raise NotImplementedError

    @activity.defn
    async def mark_fatigue(self, inp: PlanInput) -> Fatigue:
        """Ads whose CTR fell well below their early CTR: their pool creatives become ``fatigued``."""
        raise NotImplementedError


class CreativeIngestOperations:
    """``CreativeIngest``: probe an asset against TikTok's specs; keep an uploaded one in the pool."""

    @activity.defn
    async def inspect_asset(self, inp: InspectAssetInput) -> AssetCheck:
        """Fetch (URL) and probe the asset: facts, the rules it breaks, its quality score."""
        raise NotImplementedError

    @activity.defn
    async def derive_variations(self, inp: DeriveInput) -> list[AssetInput]:
        """Aspect-ratio versions, a thumbnail, burned-in captions: new assets on the worker's disk."""
        raise NotImplementedError

    @activity.defn
    async def text_variants(self, inp: TextsInput) -> list[TextChoice]:
        """Ad text through the templates, each through the NG-word filter and the length limit."""
        raise NotImplementedError

    @activity.defn
    async def register_creative(self, inp: RegisterInput) -> int:
        """Keep the uploaded creative in the pool (state ``uploaded``, for an operator to approve)."""
        raise NotImplementedError

    @activity.defn
    async def link_cover(self, inp: CoverInput) -> int:
        """Record a video's uploaded thumbnail as its cover image on its pool items; how many."""
        raise NotImplementedError


INTERFACES: tuple[type, ...] = (
    MirrorSync,
    TokenLifecycle,
    LaunchPreparation,
    EntityOperations,
    CreativeUploads,
    RollbackOperations,
    CycleOperations,
    PriorOperations,
    RecoveryOperations,
    AlertOperations,
    AnomalyOperations,
    AudienceOperations,
    ConversionOperations,
    PrivacyOperations,
    DailyReportOperations,
    CreativeIngestOperations,
)
