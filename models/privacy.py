"""Deletion requests (right to be forgotten) and the retention purge: inputs and outcomes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.workflows import WorkflowInput


class ForgetRequest(BaseModel):
    """Forget one person, named by SHA-256 digests of their e-mail and/or phone (never the
    values: this is what an activity's input, and so workflow history, holds). Build one from
    plain values with ``activities.privacy.forget_request``."""

    model_config = ConfigDict(extra="forbid")

    email_sha256: list[str] = Field(default_factory=list, description="every form the e-mail was hashed in")
    phone_sha256: list[str] = Field(default_factory=list)
    advertiser_id: str | None = Field(default=None, description="only this advertiser's audiences")
    requested_by: str = Field(default="", max_length=128)

    @model_validator(mode="after")
    def _someone(self) -> ForgetRequest:
        if not (self.email_sha256 or self.phone_sha256):
            raise ValueError("give email and/or phone")
        for value in (*self.email_sha256, *self.phone_sha256):
            if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
                raise ValueError("identifiers are SHA-256 hex digests (64 lower-case hex)")
        return self


class AudienceRemoval(BaseModel):
    advertiser_id: str
    audience_id: str
    name: str
    outcome: str  # "removed", or why not


class Forgotten(BaseModel):
    """What a deletion request did; ``subject_key`` is the audit's keyed hash, not the person."""

    subject_key: str
    audiences: list[AudienceRemoval] = Field(default_factory=list)
    leads_deleted: int = 0
    leads_unreadable: int = Field(default=0, description="leads written under another key: not checked")
    request_id: int | None = None


class RetentionPurgeInput(WorkflowInput):
    retention_days: int = Field(default=396, ge=30, description="13 months by default (section 16)")

    def summary(self) -> str:
        return f"Purge personal data older than {self.retention_days} days"


class Purged(BaseModel):
    leads: int = 0
    webhook_events: int = 0
    alerts: int = 0
    progress: int = 0
