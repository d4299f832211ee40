"""Helpers every workflow uses: search attribute keys and the default activity retry policy."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy, SearchAttributeKey

from models.workflows import validated_input as validated_input  # re-exported for workflows

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
