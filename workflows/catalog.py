"""Which workflow class and input model belong to each public workflow type name, and the
answer to a type the service does not have."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RawValue
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from models.audiences import AudienceSyncInput
from models.conversions import ConversionUploadInput
from models.creative_ingest import CreativeIngestInput
from models.daily_report import DailyReportInput
from models.errors import UnknownWorkflowType
from models.launch import CampaignLaunchInput
from models.optimization import OptimizationCycleInput
from models.priors import PriorFitInput
from models.privacy import RetentionPurgeInput
from models.recovery import RejectionRecoveryInput
from models.rollback import RollbackInput
from models.workflows import (
    ADVERTISER_SYNC,
    AUDIENCE_SYNC,
    CAMPAIGN_LAUNCH,
    CONVERSION_UPLOAD,
    CREATIVE_INGEST,
    DAILY_REPORT,
    OPTIMIZATION_CYCLE,
    PRIOR_FIT,
    REJECTION_RECOVERY,
    RETENTION_PURGE,
    ROLLBACK,
    TOKEN_REFRESH,
    WORKFLOW_TYPES,
    AdvertiserSyncInput,
    TokenRefreshInput,
)
from workflows.advertiser_sync import AdvertiserSync
from workflows.audience_sync import AudienceSync
from workflows.campaign_launch import CampaignLaunch
from workflows.conversion_upload import ConversionUpload
from workflows.creative_ingest import CreativeIngest
from workflows.daily_report import DailyReport
from workflows.optimization_cycle import OptimizationCycle
from workflows.prior_fit import PriorFit
from workflows.rejection_recovery import RejectionRecovery
from workflows.retention_purge import RetentionPurge
from workflows.rollback import Rollback
from workflows.token_refresh import TokenRefresh

# Type name -> (workflow class, input model). Later issues add their types here.
WORKFLOWS: dict[str, tuple[type, type[BaseModel]]] = {
    ADVERTISER_SYNC: (AdvertiserSync, AdvertiserSyncInput),
    TOKEN_REFRESH: (TokenRefresh, TokenRefreshInput),
    CAMPAIGN_LAUNCH: (CampaignLaunch, CampaignLaunchInput),
    ROLLBACK: (Rollback, RollbackInput),
    OPTIMIZATION_CYCLE: (OptimizationCycle, OptimizationCycleInput),
    PRIOR_FIT: (PriorFit, PriorFitInput),
    REJECTION_RECOVERY: (RejectionRecovery, RejectionRecoveryInput),
    AUDIENCE_SYNC: (AudienceSync, AudienceSyncInput),
    CONVERSION_UPLOAD: (ConversionUpload, ConversionUploadInput),
    RETENTION_PURGE: (RetentionPurge, RetentionPurgeInput),
    DAILY_REPORT: (DailyReport, DailyReportInput),
    CREATIVE_INGEST: (CreativeIngest, CreativeIngestInput),
}


def unknown_type_message(name: str) -> str:
    available = ", ".join(sorted(WORKFLOWS))
    later = [t for t in WORKFLOW_TYPES if t not in WORKFLOWS]
    reserved = f" ({name} is reserved and not built yet)" if name in later else ""
    return f"no workflow type {name!r} on this worker{reserved}; available: {available}"


@workflow.defn(dynamic=True)
class UnknownWorkflow:
    """Any type the worker does not know (a typo in ``temporal workflow start --type``) fails
    at once naming the types it has, instead of sitting RUNNING with a failing task."""

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> None:
        raise UnknownWorkflowType(unknown_type_message(workflow.info().workflow_type))


# Packages workflows use that the sandbox must not re-import: cryptography's Rust extension
# (signed approvals are checked in update validators, models.identity) cannot load twice.
PASSTHROUGH_MODULES = ("cryptography",)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox every worker and replayer of the service uses."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    return SandboxedWorkflowRunner(restrictions=restrictions)


def all_workflow_classes() -> list[type]:
    return [*(cls for cls, _ in WORKFLOWS.values()), UnknownWorkflow]
