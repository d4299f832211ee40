"""Helpers every workflow uses: search attribute keys and the default activity retry policy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

from models.workflows import describe_validation_error

M = TypeVar("M", bound=BaseModel)

ADVERTISER_ID = SearchAttributeKey.for_keyword("AdvertiserId")
CAMPAIGN_NAME = SearchAttributeKey.for_keyword("CampaignName")
APPROVAL_STATE = SearchAttributeKey.for_keyword("ApprovalState")
RECOVERY_STATE = SearchAttributeKey.for_keyword("RecoveryState")

SEARCH_ATTRIBUTE_KEYS = (ADVERTISER_ID, CAMPAIGN_NAME, APPROVAL_STATE, RECOVERY_STATE)

# TikTok calls: 1 s doubling to 64 s (the spec's backoff); permanent errors are
# non-retryable ApplicationErrors raised by the connector, so they stop at once.
TIKTOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=64),
    maximum_attempts=10,
)


def validated_input(model: type[M], inp: M | dict[str, Any]) -> M:
    """The workflow's input as its model, or a non-retryable ``InvalidInput`` failure.

    Workflows declare ``inp: Model | dict[str, Any]``: valid JSON decodes to the model;
    anything else arrives as a dict and fails the workflow here with every field and
    reason, instead of failing the workflow task forever on a decoding error.
    """
    if isinstance(inp, model):
        return inp
    try:
        return model.model_validate(inp)
    except ValidationError as exc:
        problems = describe_validation_error(exc)
        raise ApplicationError(
            f"invalid {model.__name__}: " + "; ".join(problems),
            problems,
            type="InvalidInput",
            non_retryable=True,
        ) from None
