"""``Rollback``: its input, the steps it asks of activities, its status and result.

A rollback undoes what one run of a workflow (a launch, an optimization cycle) changed on
TikTok, read from that run's history: newest change first, each object set back to its
recorded ``before`` after checking that it still shows the recorded ``after``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from models.changes import EntityChange
from models.workflows import WorkflowInput

RollbackOutcome = Literal["rolled_back", "conflict", "nothing_to_do", "dry_run"]
RESTORE_CHUNK = 100  # changes per restore activity: history stays small for big runs


class RollbackInput(WorkflowInput):
    """``{"workflow_id": "launch-autumn-1", "actor": "ada@demo.example"}``."""

    workflow_id: str = Field(min_length=1, max_length=256, description="the run whose changes to undo")
    run_id: str | None = Field(default=None, description="that workflow's run (default: its latest)")
    actor: str = Field(min_length=1, max_length=128, description="who asks for the rollback")
    reason: str | None = Field(default=None, max_length=1000)
    force: bool = Field(default=False, description="restore even where the live value moved on since")
    dry_run: bool = Field(default=False, description="say what would be restored, change nothing")

    def summary(self) -> str:
        mode = " (dry run)" if self.dry_run else " (forced)" if self.force else ""
        return f"Roll back the changes of {self.workflow_id}, asked by {self.actor}{mode}"


class RollbackTarget(BaseModel):
    workflow_id: str
    run_id: str | None = None


class TargetChanges(BaseModel):
    """What the target run changed, as counted in its history (the changes stay there)."""

    run_id: str
    advertiser_id: str | None
    count: int


class RestoreInput(BaseModel):
    """Restore the target's changes ``start`` to ``stop`` (history order), newest first."""

    target: RollbackTarget
    run_id: str
    advertiser_id: str = Field(description="the advertiser the target changed (from read_changes)")
    start: int = Field(ge=0)
    stop: int = Field(ge=0)
    key: str = Field(description="idempotency key prefix: <rollback workflow id>")
    actor: str
    reason: str
    force: bool = False
    dry_run: bool = False


class Conflict(BaseModel):
    """A live value that no longer equals what the change recorded: someone changed it since."""

    key: str
    entity_type: str
    entity_id: str
    field: str
    recorded: object = None
    live: object = None


class Restored(BaseModel):
    """What one restore step did (or, in a dry run, would do)."""

    changes: list[EntityChange] = Field(default_factory=list)
    planned: list[str] = Field(default_factory=list, description="one line per restore, in order")
    skipped: list[str] = Field(default_factory=list, description="changes that cannot be undone, and why")
    conflicts: list[Conflict] = Field(default_factory=list)


class RollbackStatus(BaseModel):
    step: str
    target: str
    total: int = 0
    done: int = 0
    conflicts: list[Conflict] = Field(default_factory=list)


class RollbackResult(BaseModel):
    outcome: RollbackOutcome
    target: str
    restored: int = 0
    changes: list[EntityChange] = Field(default_factory=list)
    planned: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
