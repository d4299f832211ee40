"""``AudienceSync``'s input: Treasure Data's TikTok export parameters, same names and values.

A Treasure Data job moves over unchanged: snake_case as in its connector's parameter table,
or camelCase as in its ``td query -r '{...}'`` example (``accessToken``, ``useSandbox``,
``advertiserId``, ``apiVersion``, ``audienceAction``, ``audienceName``, ``encryptionType``).
What Treasure Data reads from the query result we read from ``source``: a CSV or Parquet file
or a SQL query against the project's database. Parameters of the other mode, and unknown
ones, are refused with the field and the reason.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from models.workflows import AdvertiserId, WorkflowInput

SAVED_TOKEN = "__SAVED__"  # Treasure Data's own placeholder for a token it keeps
ENCRYPTION_TYPES = (
    "FIRST_SHA256", "FIRST_MD5", "EMAIL_SHA256", "PHONE_SHA256",
    "IDFA_SHA256", "IDFA_MD5", "GAID_SHA256", "GAID_MD5",
)  # fmt: skip
# Columns of a STREAMING source, and the id_schema each is sent as.
STREAMING_COLUMNS = {
    "email": "EMAIL_SHA256",
    "email_sha256": "EMAIL_SHA256",
    "phone": "PHONE_SHA256",
    "phone_sha256": "PHONE_SHA256",
    "idfa": "IDFA_SHA256",
    "idfa_md5": "IDFA_MD5",
    "idfa_sha256": "IDFA_SHA256",
    "aaid": "AAID_SHA256",
    "aaid_md5": "AAID_MD5",
    "aaid_sha256": "AAID_SHA256",
}
CUSTOMER_FILE_MODE_ONLY = ("audience_name", "encryption_type", "audience_action")
STREAMING_MODE_ONLY = ("streaming_action", "audience_names", "audience_ids", "thread_count")
JOB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _encryption_type(value: Any) -> Any:
    """``FIRST_NORMAL`` (Treasure Data's CLI example) means plain first-party ids, hashed here."""
    return "FIRST_SHA256" if value == "FIRST_NORMAL" else value


def _audience_action(value: Any) -> Any:
    """Treasure Data's description also says ADD for APPEND."""
    return "APPEND" if value == "ADD" else value


def _comma_list(value: Any) -> Any:
    """``"a, b"`` -> ``["a", "b"]`` (Treasure Data passes comma-separated strings)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class AudienceSource(BaseModel):
    """Where the rows come from: one of a file (CSV with a header row, or Parquet) or a query."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = Field(default=None, description="a CSV or Parquet file the worker can read")
    query: str | None = Field(default=None, description="SQL run against DATABASE_URL")
    format: Literal["csv", "parquet"] | None = Field(default=None, description="default: from the extension")

    @model_validator(mode="after")
    def _one_source(self) -> AudienceSource:
        if (self.path is None) == (self.query is None):
            raise ValueError("give exactly one of path (a CSV or Parquet file) or query (SQL)")
        if self.query is not None and not re.match(r"^\s*(select|with)\b", self.query, re.IGNORECASE):
            raise ValueError("query must be a SELECT (or WITH ... SELECT) statement")
        return self

    @property
    def kind(self) -> Literal["csv", "parquet", "query"]:
        if self.query is not None:
            return "query"
        if self.format:
            return self.format
        return "parquet" if str(self.path).lower().endswith((".parquet", ".pq")) else "csv"

    def describe(self) -> str:
        return f"query {self.query[:60]!r}" if self.query is not None else f"file {self.path}"


class AudienceSyncInput(WorkflowInput):
    """One export run; ``job_id`` names its schedule (``audience-<job_id>``) and its history."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    advertiser_id: AdvertiserId
    auth_method: Literal["oauth", "access_token"] = "oauth"
    access_token: str | None = Field(
        default=None, description=f"access_token mode: {SAVED_TOKEN}, the token saved for the advertiser"
    )
    use_sandbox: bool = False
    api_version: Literal["v1.2", "v1.3"] | None = Field(
        default=None, description="accepted for Treasure Data jobs; calls always use v1.3"
    )
    api_mode: Literal["CUSTOMER_FILE", "STREAMING"] = "CUSTOMER_FILE"
    audience_name: str | None = Field(default=None, min_length=1, max_length=128)
    encryption_type: Annotated[
        Literal[
            "FIRST_SHA256", "FIRST_MD5", "EMAIL_SHA256", "PHONE_SHA256",
            "IDFA_SHA256", "IDFA_MD5", "GAID_SHA256", "GAID_MD5",
        ] | None,
        BeforeValidator(_encryption_type),
    ] = None  # fmt: skip
    audience_action: Annotated[Literal["APPEND", "REMOVE", "REPLACE"], BeforeValidator(_audience_action)] = (
        "APPEND"
    )
    streaming_action: Literal["ADD", "DELETE", "DELETE_AUDIENCE"] = "ADD"
    audience_names: Annotated[list[str], BeforeValidator(_comma_list)] = Field(default_factory=list)
    audience_ids: Annotated[list[str], BeforeValidator(_comma_list)] = Field(default_factory=list)
    skip_invalid_record: bool = False
    thread_count: int = Field(default=5, ge=1, le=20)
    source: AudienceSource | None = None
    job_id: str | None = Field(default=None, description="lower-case letters, digits and dashes")
    dry_run: bool = Field(default=False, description="count and estimate; send nothing")
    force: bool = Field(
        default=False, description="send a REMOVE/REPLACE/DELETE that leaves a targeted audience below 1,000"
    )

    @model_validator(mode="after")
    def _consistent(self) -> AudienceSyncInput:
        given = self._given()
        problems = []
        if self.auth_method == "access_token":
            if self.access_token is None:
                problems.append("access_token: required when auth_method is access_token")
            elif self.access_token != SAVED_TOKEN:
                problems.append(
                    f"access_token: a token in the input would be written into workflow history; "
                    f"save it (starter.py audience sync does, or starter.py token set) and pass {SAVED_TOKEN}"
                )
        else:
            for name in ("access_token", "use_sandbox"):
                if name in given:
                    problems.append(f"{name}: only used when auth_method is access_token")
        wrong_mode = STREAMING_MODE_ONLY if self.api_mode == "CUSTOMER_FILE" else CUSTOMER_FILE_MODE_ONLY
        problems += [f"{name}: not used in {self.api_mode} mode" for name in wrong_mode if name in given]
        if self.api_mode == "CUSTOMER_FILE":
            problems += [f"{n}: required in CUSTOMER_FILE mode" for n in ("audience_name", "encryption_type")
                         if getattr(self, n) is None]  # fmt: skip
        elif not (self.audience_names or self.audience_ids):
            problems.append("audience_names: give audience_names or audience_ids in STREAMING mode")
        needs_rows = not (self.api_mode == "STREAMING" and self.streaming_action == "DELETE_AUDIENCE")
        if needs_rows and self.source is None:
            problems.append("source: required (a file path or a query)")
        if not needs_rows and self.source is not None:
            problems.append("source: DELETE_AUDIENCE deletes whole audiences and reads no rows")
        if self.job_id is not None and not JOB_ID.match(self.job_id):
            problems.append("job_id: lower-case letters, digits and dashes, at most 63")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _given(self) -> set[str]:
        """Fields set to something other than their default (a dumped input sets them all)."""
        fields = type(self).model_fields
        return {
            name
            for name in self.model_fields_set
            if getattr(self, name) != fields[name].get_default(call_default_factory=True)
        }

    def summary(self) -> str:
        target = self.audience_name or ", ".join(self.audience_names or self.audience_ids)
        action = self.audience_action if self.api_mode == "CUSTOMER_FILE" else self.streaming_action
        dry = " (dry run)" if self.dry_run else ""
        return f"Audience {self.api_mode} {action} '{target}' of advertiser {self.advertiser_id}{dry}"


def audience_sync_id(inp: AudienceSyncInput, unique: str) -> str:
    """``audience-<job_id>-<unique>``, or ``audience-<advertiser>-<unique>`` without a job id."""
    return f"audience-{inp.job_id or inp.advertiser_id}-{unique}"


def audience_schedule_id(job_id: str) -> str:
    """``audience-<job_id>``: the schedule of one sync job (DESIGN's public name)."""
    return f"audience-{job_id}"
