"""Webhook bodies in the three shapes TikTok and the requirement document use, read into one
model. Anything else is refused with the field and the reason.

- Requirement document section 23.6: ``{event_type, event_id, timestamp, data}``.
- Marketing API subscriptions: ``{request_id, object, time, entry: [...]}``; ``object`` 1 is
  a lead, 2 an ad group review, 3 an ad review; each entry is one event, its id
  ``<request_id>:<log_id or index>``. An ad entry with a ``reject_reason`` is a rejection.
- TikTok for Developers: ``{client_key, event, create_time, user_openid, content}`` with
  ``content`` a JSON string (``authorization.removed``); its id is a digest of the body.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.workflows import describe_validation_error

KNOWN_TYPES = (
    "ad.review_status_update",
    "adgroup.review_status_update",
    "lead.create",
    "authorization.removed",
)
OBJECTS = {1: "lead.create", 2: "adgroup.review_status_update", 3: "ad.review_status_update"}


class BadEvent(ValueError):
    """The body is not an event we can read; the message names the field."""


class WebhookEvent(BaseModel):
    """One event, whatever shape it came in."""

    event_id: str = Field(min_length=1, max_length=128)
    event_type: str = Field(min_length=1, max_length=64)
    timestamp: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def advertiser_id(self) -> str | None:
        value = self.data.get("advertiser_id") or self.data.get("adv_id")
        return str(value) if value not in (None, "") else None

    @property
    def lead_id(self) -> str:
        """A ``lead.create``'s lead id (``lead_id`` in the spec's body, ``id`` in TikTok's entry)."""
        return str(self.data.get("lead_id") or self.data.get("id") or self.event_id)

    @property
    def ad_id(self) -> str | None:
        value = self.data.get("ad_id")
        return str(value) if value not in (None, "") else None


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_type: str = Field(min_length=1, max_length=64)
    event_id: str = Field(min_length=1, max_length=128)
    timestamp: int
    data: dict[str, Any]

    @field_validator("event_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KNOWN_TYPES:
            raise ValueError(f"unknown event type; expected one of {', '.join(KNOWN_TYPES)}")
        return value


class _Subscription(BaseModel):
    request_id: str = Field(min_length=1, max_length=96)
    object: int
    time: int
    entry: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class _Developer(BaseModel):
    client_key: str
    event: str = Field(min_length=1, max_length=64)
    create_time: int
    user_openid: str = ""
    content: str = ""


def _validated(model: type[BaseModel], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadEvent("; ".join(describe_validation_error(exc))) from None


def parse(raw: bytes) -> list[WebhookEvent]:
    """The events in ``raw``; ``BadEvent`` (naming the field) when it is not a known shape."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadEvent(f"body: not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise BadEvent("body: must be a JSON object")
    if "event_type" in body:
        spec: _Spec = _validated(_Spec, body)
        return [WebhookEvent(**spec.model_dump())]
    if "entry" in body:
        sub: _Subscription = _validated(_Subscription, body)
        event_type = OBJECTS.get(sub.object, f"object.{sub.object}")
        events = []
        for index, entry in enumerate(sub.entry):
            data = dict(entry)
            if event_type == "ad.review_status_update":
                data.setdefault("review_status", "REJECTED" if entry.get("reject_reason") else "APPROVED")
            suffix = entry.get("log_id") or index
            events.append(
                WebhookEvent(
                    event_id=f"{sub.request_id}:{suffix}"[:128],
                    event_type=event_type,
                    timestamp=sub.time,
                    data=data,
                )
            )
        return events
    if "event" in body:
        dev: _Developer = _validated(_Developer, body)
        try:
            content = json.loads(dev.content) if dev.content else {}
        except ValueError:
            raise BadEvent("content: not a JSON string") from None
        data = content if isinstance(content, dict) else {"content": content}
        digest = hashlib.sha256(raw).hexdigest()[:40]
        return [
            WebhookEvent(event_id=f"dev_{digest}", event_type=dev.event, timestamp=dev.create_time, data=data)
        ]
    raise BadEvent("body: expected event_type (section 23.6), entry (subscription) or event (developer)")
