"""The change record: one shape from an activity's result, through the change log, to the
audit trail and rollback.

Every activity that changes something on TikTok returns :class:`EntityChange` records
(alone, in a :class:`ChangeSet`, or inside its result), so Temporal history holds the full
change log; the store projects each record into the hash-chained ``change_log`` table and
the audit trail finds them in history by their shape, whatever the activity is called.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

EntityType = Literal["campaign", "adgroup", "ad", "video", "image"]
CHANGE_FIELDS = frozenset({"entity_type", "entity_id", "before", "after", "reason", "actor", "key"})


class ChainLink(BaseModel):
    """Where the change-log projection put a change: its place in the advertiser's chain and
    the row's keyed hash. Kept in history, it anchors the chain against truncation."""

    advertiser_id: str
    seq: int
    row_hash: str


class EntityChange(BaseModel):
    """One change on TikTok: what, before, after, why, who, under which idempotency key."""

    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    actor: str
    key: str
    chain: ChainLink | None = None


class ChangeSet(BaseModel):
    """What a mutating activity that touches several objects returns."""

    changes: list[EntityChange] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        """Histories written before this model held a bare list of changes."""
        return {"changes": value} if isinstance(value, list) else value


def changes_in(value: Any) -> list[dict[str, Any]]:
    """Every change record inside a decoded payload (dicts and lists, any depth), in order."""
    out: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if CHANGE_FIELDS <= value.keys():
            out.append(value)
        else:
            for item in value.values():
                out.extend(changes_in(item))
    elif isinstance(value, list):
        for item in value:
            out.extend(changes_in(item))
    return out
