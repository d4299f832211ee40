"""Which workflow class and input model belong to each public workflow type name."""

from __future__ import annotations

from pydantic import BaseModel

from models.launch import CampaignLaunchInput
from models.workflows import (
    ADVERTISER_SYNC,
    CAMPAIGN_LAUNCH,
    TOKEN_REFRESH,
    AdvertiserSyncInput,
    TokenRefreshInput,
)
from workflows.advertiser_sync import AdvertiserSync
from workflows.campaign_launch import CampaignLaunch
from workflows.token_refresh import TokenRefresh

# Type name -> (workflow class, input model). Later issues add their types here.
WORKFLOWS: dict[str, tuple[type, type[BaseModel]]] = {
    ADVERTISER_SYNC: (AdvertiserSync, AdvertiserSyncInput),
    TOKEN_REFRESH: (TokenRefresh, TokenRefreshInput),
    CAMPAIGN_LAUNCH: (CampaignLaunch, CampaignLaunchInput),
}


def all_workflow_classes() -> list[type]:
    return [cls for cls, _ in WORKFLOWS.values()]
