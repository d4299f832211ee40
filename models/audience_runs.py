"""What ``AudienceSync``'s activities take and return: references and counts, never rows.

Rows are staged once into a spool folder on the worker (hashed identifiers only); the
workflow carries the folder's key, counts and TikTok's ids.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from models.audiences import AudienceSyncInput


class InvalidRow(BaseModel):
    """The first row that could not be used: its number, column and reason, never its value."""

    row: int
    column: str
    reason: str


class Staged(BaseModel):
    """The source read, checked, normalised and hashed into the spool."""

    run_key: str
    rows: int = 0
    valid: int = 0
    invalid: dict[str, int] = Field(default_factory=dict, description="rows skipped, by reason")
    first_invalid: InvalidRow | None = None
    stopped: bool = Field(default=False, description="stopped at the first invalid row")
    id_schema: list[str] = Field(default_factory=list, description="STREAMING: the cell order of each row")
    calculate_type: str | None = None
    part_bytes: list[int] = Field(default_factory=list, description="CUSTOMER_FILE: size of each file")
    chunks: int = Field(default=0, description="STREAMING: requests of up to batch_size rows")
    batch_size: int = 0


class StageInput(BaseModel):
    sync: AudienceSyncInput
    run_key: str


class Target(BaseModel):
    """One TikTok audience the sync writes to, as found before anything is sent."""

    audience_id: str | None = Field(default=None, description="None: to be created")
    name: str
    size: int | None = Field(default=None, description="cover_num: TikTok's matched members")
    targeted: bool = Field(default=False, description="an ad group targets or excludes it")


class Resolved(BaseModel):
    targets: list[Target]
    account_audiences: int
    max_audiences: int


class SendInput(BaseModel):
    sync: AudienceSyncInput
    run_key: str
    staged: Staged
    targets: list[Target] = Field(default_factory=list)


class FilesUploaded(BaseModel):
    file_paths: list[str]
    reused: int = Field(default=0, description="files uploaded by an earlier attempt, not sent again")


class ApplyInput(BaseModel):
    sync: AudienceSyncInput
    run_key: str
    target: Target
    file_paths: list[str]
    calculate_type: str


class Streamed(BaseModel):
    chunks_sent: int
    chunks_skipped: int = Field(default=0, description="acknowledged by an earlier attempt")
    rows_sent: int


class SizeInput(BaseModel):
    advertiser_id: str
    audience_ids: list[str]
    use_sandbox: bool = False


class AudienceSize(BaseModel):
    audience_id: str
    name: str
    size: int | None


class AudienceSyncResult(BaseModel):
    """The run's summary: what was read, skipped and sent, and the sizes TikTok reports."""

    mode: str
    action: str
    dry_run: bool
    rows: int
    valid: int
    invalid: dict[str, int]
    files: int = 0
    chunks: int = 0
    resent_skipped: int = 0
    audiences: list[AudienceSize] = Field(default_factory=list)
    sizes_before: dict[str, int | None] = Field(default_factory=dict)
    expected_size: int | None = Field(default=None, description="dry run: the size if every row matched")
    match_rate: float | None = Field(default=None, description="matched / valid, when TikTok reports sizes")
    notes: list[str] = Field(default_factory=list)


class JobOutcome(BaseModel):
    """How a run of a scheduled job ended: its failure streak decides whether it is paused."""

    job_id: str
    advertiser_id: str
    workflow_id: str
    ok: bool
    error: str | None = None


class JobStreak(BaseModel):
    failures: int
    paused: bool = False
