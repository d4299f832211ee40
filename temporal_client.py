"""The service's one way to reach Temporal: connect (namespace, TLS, API key), register
the search attributes, name workflows, start them, link to the Web UI.

The CLI, the embedded stack, the worker (and later the webhook receiver and the dashboard)
all connect here, so that every client has the same data converter, tracing and TLS
settings, and every start uses the same id-conflict policy: a workflow id that already
runs is attached to, never started twice, and the caller is told which happened.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client, TLSConfig, WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError, RPCStatusCode

from codec import EncryptionCodec, decode_tree
from models.audiences import AudienceSyncInput, audience_sync_id
from models.identity import sign
from models.launch import ApprovalRequest, Verdict
from models.recovery import REVIEW_SIGNAL, RejectionRecoveryInput, ReviewUpdate, recovery_id
from models.telemetry import HISTOGRAM_BUCKETS
from models.workflows import (
    ADVERTISER_SYNC,
    AUDIENCE_SYNC,
    CAMPAIGN_LAUNCH,
    REJECTION_RECOVERY,
    ROLLBACK,
    SEARCH_ATTRIBUTE_KEYS,
    TOKEN_REFRESH,
    WorkflowInput,
    launch_id,
    rollback_id,
    sync_id,
    token_refresh_id,
)
from settings import Settings

__all__ = [
    "Started",
    "connect",
    "data_converter",
    "decoded",
    "default_workflow_id",
    "ensure_search_attributes",
    "fetch_history",
    "launch_id",
    "metrics_runtime",
    "new_launch_id",
    "start_workflow",
    "sync_id",
    "token_refresh_id",
    "ui_link",
]

_runtimes: dict[str, Runtime] = {}


def metrics_runtime(bind_address: str) -> Runtime:
    """One Temporal runtime per metrics address (each runtime owns threads: reuse them)."""
    if bind_address not in _runtimes:
        _runtimes[bind_address] = Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(
                    bind_address=bind_address, histogram_bucket_overrides=dict(HISTOGRAM_BUCKETS)
                )
            )
        )
    return _runtimes[bind_address]


def tls_config(settings: Settings) -> TLSConfig | bool:
    """mTLS when a client certificate is configured, server-verified TLS when only a CA or
    ``temporal_tls`` is set, plain otherwise (an API key turns TLS on by itself)."""
    if settings.temporal_tls_cert or settings.temporal_tls_ca:
        return TLSConfig(
            server_root_ca_cert=_read(settings.temporal_tls_ca),
            client_cert=_read(settings.temporal_tls_cert),
            client_private_key=_read(settings.temporal_tls_key),
        )
    return settings.temporal_tls or settings.temporal_api_key is not None


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path else None


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, AES-GCM encrypted when ``payload_encryption_keys`` is set, failure
    messages and stack traces encrypted too (else they would stay readable in history)."""
    codec = settings.payload_codec()
    if codec is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def decoded(client: Client, history: WorkflowHistory) -> WorkflowHistory:
    """``history`` with its payloads decrypted (in place) by the client's codec: readers of
    history that are not workflows (audit, rollback) get no help from a worker."""
    codec = client.data_converter.payload_codec
    if isinstance(codec, EncryptionCodec):
        for event in history.events:
            decode_tree(codec, event)
    return history


async def fetch_history(client: Client, workflow_id: str, run_id: str | None = None) -> WorkflowHistory:
    """A run's history, decrypted (:func:`decoded`)."""
    return decoded(client, await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history())


async def connect(settings: Settings, *, metrics: bool | str = False) -> Client:
    """A client with this project's converter, tracing, namespace and TLS/API-key settings;
    ``metrics`` also serves Prometheus: on the worker's address (True) or on ``host:port``."""
    address = metrics if isinstance(metrics, str) else f"{settings.metrics_host}:{settings.metrics_port}"
    runtime = metrics_runtime(address) if metrics else None
    api_key = settings.temporal_api_key
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        interceptors=[TracingInterceptor()],
        runtime=runtime,
        tls=tls_config(settings),
        api_key=api_key.get_secret_value() if api_key else None,
    )


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register the project's Keyword search attributes that the namespace lacks; returns those added."""
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes) | set(existing.system_attributes)
    except RPCError as exc:  # the time-skipping test server cannot list, only add
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = [key.name for key in SEARCH_ATTRIBUTE_KEYS if key.name not in known]
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace,
                search_attributes={name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for name in missing},
            )
        )
    return missing


def new_launch_id(campaign_name: str) -> str:
    return launch_id(campaign_name, uuid.uuid4().hex[:6])


def default_workflow_id(workflow_type: str, inp: BaseModel) -> str:
    """The id operators expect: ``sync-<adv>``, ``token-refresh-<adv>``, ``launch-<name>-<6 hex>``."""
    advertiser = getattr(inp, "advertiser_id", None)
    if workflow_type == ADVERTISER_SYNC and advertiser:
        return sync_id(advertiser)
    if workflow_type == TOKEN_REFRESH and advertiser:
        return token_refresh_id(advertiser)
    if workflow_type == CAMPAIGN_LAUNCH:
        return new_launch_id(getattr(getattr(inp, "campaign", None), "campaign_name", "launch"))
    if workflow_type == AUDIENCE_SYNC and isinstance(inp, AudienceSyncInput):
        return audience_sync_id(inp, uuid.uuid4().hex[:8])
    target = getattr(inp, "workflow_id", None)
    if workflow_type == ROLLBACK and target:
        return rollback_id(str(target))
    return f"{workflow_type.lower()}-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Started:
    """A workflow handle, and whether this call started it (False: it was already running)."""

    handle: WorkflowHandle[Any, Any]
    new: bool


async def start_workflow(
    client: Client,
    settings: Settings,
    workflow_type: str,
    arg: BaseModel | dict[str, Any],
    *,
    workflow_id: str,
    result_type: type | None = None,
) -> Started:
    """Start ``workflow_type`` under ``workflow_id`` unless that id already runs (then attach).

    The summary shown at the top of the Web UI comes from the input's ``summary()``.
    """
    summary = arg.summary() if isinstance(arg, WorkflowInput) else None
    try:
        handle = await client.start_workflow(
            workflow_type,
            arg,
            id=workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            result_type=result_type,
            static_summary=summary,
        )
        return Started(handle, new=True)
    except WorkflowAlreadyStartedError:
        return Started(client.get_workflow_handle(workflow_id, result_type=result_type), new=False)


def ui_link(settings: Settings, workflow_id: str) -> str:
    """The workflow's page in the Temporal Web UI."""
    return f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}/workflows/{workflow_id}"


def recovery_input(
    settings: Settings, advertiser_id: str, ad_id: str, source: str, update: ReviewUpdate
) -> RejectionRecoveryInput:
    """The input of a recovery started by the receiver or the reconciler, with the configured
    attempts, review timeout and poll interval."""
    return RejectionRecoveryInput(
        advertiser_id=advertiser_id,
        ad_id=ad_id,
        reject_reason=update.reject_reason,
        source=source,
        event_id=update.event_id,
        max_attempts=settings.recovery_max_attempts,
        review_timeout_minutes=settings.recovery_review_timeout_minutes,
        poll_seconds=settings.recovery_poll_seconds,
    )


async def hand_off_review(
    client: Client, task_queue: str, inp: RejectionRecoveryInput, update: ReviewUpdate
) -> str:
    """Signal-with-start ``RejectionRecovery`` ``recover-<ad id>``: a new recovery starts with
    the rejection; one already running gets the event as a signal. Returns the workflow id."""
    workflow_id = recovery_id(inp.ad_id)
    await client.start_workflow(
        REJECTION_RECOVERY,
        inp,
        id=workflow_id,
        task_queue=task_queue,
        start_signal=REVIEW_SIGNAL,
        start_signal_args=[update],
        static_summary=inp.summary(),
    )
    return workflow_id


async def signal_review(client: Client, workflow_id: str, update: ReviewUpdate) -> None:
    """Tell a running recovery how its replacement's review went."""
    await client.get_workflow_handle(workflow_id).signal(REVIEW_SIGNAL, update)


async def decide_for(
    client: Client,
    workflow_id: str,
    decision: Verdict,
    req: ApprovalRequest,
    key: SecretStr | None,
    key_id: str | None,
) -> str | None:
    """Send a decision a service makes for a person it vouches for (Slack, the dashboard):
    signed with the service's key when it has one, as the workflow's update of that name.
    None when recorded, else why it was refused."""
    if key is not None and key_id:
        req = sign(key.get_secret_value(), key_id, workflow_id, decision, req, datetime.now(UTC))
    try:
        await client.get_workflow_handle(workflow_id).execute_update(decision, req)
    except WorkflowUpdateFailedError as exc:
        return f"{decision} refused: {exc.cause}"
    except RPCError as exc:
        return f"{decision} refused: {exc.message}"
    return None
