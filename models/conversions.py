"""``ConversionUpload``: server-side conversions from a file or query to TikTok's Events API.

Each source row is one event. Columns (header names, case-insensitive): ``event`` (or the
input's ``event`` for every row), ``event_time`` (Unix seconds or ISO 8601), ``event_id``
(deduplication with the pixel), the consent column, and optionally ``email``, ``phone``,
``external_id`` (hashed here), ``ip``, ``user_agent``, ``ttclid``, ``ttp``, ``url``,
``referrer``, ``value``, ``currency``, ``content_id``, ``content_type``, ``content_name``,
``quantity``, ``price``. Rows without recorded consent are counted and never sent.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from models.audiences import AudienceSource
from models.workflows import AdvertiserId, WorkflowInput

STANDARD_EVENTS = (
    "ViewContent", "AddToCart", "InitiateCheckout", "CompletePayment", "SubmitForm",
    "AddPaymentInfo", "AddToWishlist", "ClickButton", "CompleteRegistration", "Contact",
    "Download", "PlaceAnOrder", "Search", "Subscribe",
)  # fmt: skip
COLUMNS = (
    "event", "event_time", "event_id", "email", "phone", "external_id", "ip", "user_agent",
    "ttclid", "ttp", "url", "referrer", "value", "currency", "content_id", "content_type",
    "content_name", "quantity", "price",
)  # fmt: skip


class ConversionUploadInput(WorkflowInput):
    advertiser_id: AdvertiserId = Field(description="whose token sends the events")
    pixel_code: str = Field(
        min_length=1, max_length=64, description="the event source id (a pixel code for web)"
    )
    event_source: Literal["web", "app", "offline", "crm"] = "web"
    source: AudienceSource
    event: str | None = Field(
        default=None, max_length=50, description="event name for every row (else the event column)"
    )
    consent_column: str = Field(default="consent", min_length=1, max_length=64)
    test_event_code: str | None = Field(default=None, max_length=64, description="Events Manager's test tab")
    limited_data_use: bool = False
    skip_invalid_record: bool = Field(default=True, description="false: stop at the first invalid row")
    max_age_days: int = Field(default=28, ge=1, le=28, description="older events are not sent")
    dry_run: bool = False

    def summary(self) -> str:
        test = f" (test {self.test_event_code})" if self.test_event_code else ""
        return f"Conversions to pixel {self.pixel_code} from {self.source.describe()}{test}"


class EventError(BaseModel):
    """An event not sent or refused: its source row and the reason (never its values)."""

    row: int
    reason: str


class ConversionsStaged(BaseModel):
    run_key: str
    now: int = Field(default=0, description="the time the age window was anchored on (Unix seconds)")
    rows: int = 0
    ready: int = 0
    no_consent: int = 0
    invalid: dict[str, int] = Field(default_factory=dict)
    first_invalid: EventError | None = None
    batches: int = 0
    batch_size: int = 0


class ConversionStageInput(BaseModel):
    upload: ConversionUploadInput
    run_key: str
    now: int | None = Field(
        default=None, description="the age window's anchor (Unix seconds); default: the stage's own clock"
    )


class ConversionSendInput(BaseModel):
    upload: ConversionUploadInput
    run_key: str
    staged: ConversionsStaged


class ConversionsSent(BaseModel):
    sent: int = 0
    accepted: int = Field(default=0, description="new to TikTok (duplicates of the pixel's events excluded)")
    rejected: int = 0
    errors: list[EventError] = Field(default_factory=list, description="the first 100 refused events")
    requests: int = 0
    batches_skipped: int = Field(default=0, description="acknowledged by an earlier attempt")


class ConversionResult(BaseModel):
    rows: int
    sent: int
    accepted: int
    no_consent: int
    invalid: dict[str, int]
    rejected: int
    errors: list[EventError] = Field(default_factory=list)
    dry_run: bool = False
    test_event_code: str | None = None
