"""Inputs of the entity-operations activities: create, set status, update budgets and bids.

Shared by every workflow that changes TikTok objects (launch, optimization, rejection
recovery, rollback). Each input names the advertiser, the idempotency key the workflow
derived from its id and step, the actor and the reason, so that the change record the
activity returns explains itself.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from models.launch import AdGroupSpec, AdSpec, CampaignSpec

ManagedType = Literal["campaign", "adgroup", "ad"]
OperationStatus = Literal["ENABLE", "DISABLE", "DELETE"]


class EntityStep(BaseModel):
    """What every entity operation is given: advertiser, idempotency key, actor, reason."""

    # Activity payloads scheduled by an older worker may carry fields no longer used.
    model_config = ConfigDict(extra="ignore", frozen=True)

    advertiser_id: str
    key: str = Field(description="idempotency key: <workflow id>/<step>")
    actor: str
    reason: str = ""
    reasons: dict[str, str] = Field(default_factory=dict, description="entity id -> its own reason")
    expected_before: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="entity id -> the values the workflow planned from; recorded as `before` when a "
        "retried attempt finds the change already made, so a crash loses no before",
    )


class CreateCampaignInput(EntityStep):
    campaign: CampaignSpec


class CreateAdGroupInput(EntityStep):
    campaign_id: str = Field(validation_alias=AliasChoices("campaign_id", "parent_id"))
    adgroup: AdGroupSpec


class CreateAdInput(EntityStep):
    adgroup_id: str = Field(validation_alias=AliasChoices("adgroup_id", "parent_id"))
    ad: AdSpec


class SetStatusInput(EntityStep):
    """Enable, pause or delete objects of one type (sent in TikTok's batches of 20)."""

    entity_type: ManagedType
    ids: list[str] = Field(min_length=1)
    operation_status: OperationStatus


class BudgetChange(BaseModel):
    entity_type: Literal["campaign", "adgroup"]
    entity_id: str
    budget: float = Field(gt=0)


class UpdateBudgetsInput(EntityStep):
    """New daily/total budgets; ad groups go out together through ``adgroup/budget/update/``."""

    budgets: list[BudgetChange] = Field(min_length=1)


class BidChange(BaseModel):
    adgroup_id: str
    bid_type: Literal["BID_TYPE_CUSTOM", "BID_TYPE_NO_BID"] | None = Field(
        default=None, description="switch between Cost Cap and Maximum Delivery"
    )
    conversion_bid_price: float | None = Field(default=None, gt=0, description="the Cost Cap bid")
    bid_price: float | None = Field(default=None, gt=0)


class UpdateBidsInput(EntityStep):
    bids: list[BidChange] = Field(min_length=1)
