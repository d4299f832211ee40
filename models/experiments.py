"""Experiments as operators register them (``starter.py experiments register``) and as the
cycle reports on them. Validated at the edge: every refusal names the field and the reason."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

ExperimentKind = Literal["ab", "bandit"]
BanditPolicy = Literal["split", "thompson", "ucb", "epsilon_greedy"]
ExperimentStatus = Literal["running", "winner", "no_winner", "safety_stop", "stopped"]


class ExperimentSpec(BaseModel):
    """An A/B test (fixed split: the cycle leaves the arms alone) or a bandit (the cycle moves
    the arms' pooled budget by ``policy``) on two or more ad groups, or ads of one account."""

    model_config = ConfigDict(extra="forbid")

    advertiser_id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=128, pattern=r"^[\w .:-]+$")
    kind: ExperimentKind = "ab"
    policy: BanditPolicy = Field(default="split", description="a bandit's: thompson, ucb or epsilon_greedy")
    entity_type: Literal["adgroup", "ad"] = "adgroup"
    arms: list[str] = Field(min_length=2, max_length=10, description="ad group or ad ids")
    target_cpa: float | None = Field(
        default=None, gt=0, description="the baseline CPA (default: the account's)"
    )
    mde: float = Field(default=0.2, gt=0, le=5, description="minimum detectable effect: a relative lift")
    power: float = Field(default=0.8, gt=0.5, lt=1)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    actor: str = Field(default="operator", min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.arms)) != len(self.arms):
            raise ValueError("arms: an arm is listed twice")
        if self.kind == "ab" and self.policy != "split":
            raise ValueError(f"policy: an A/B test splits evenly; {self.policy} is for kind bandit")
        if self.kind == "bandit" and self.policy == "split":
            raise ValueError("policy: a bandit needs thompson, ucb or epsilon_greedy")
        if self.kind == "bandit" and self.entity_type != "adgroup":
            raise ValueError("entity_type: a bandit moves budgets, so its arms are ad groups")
        return self


class ExperimentReport(BaseModel):
    """One cycle's (or the CLI's) look at an experiment."""

    experiment_id: str
    name: str
    kind: ExperimentKind
    verdict: Literal["running", "winner", "no_winner", "safety_stop"]
    leader: str
    p_best: dict[str, float]
    expected_loss: dict[str, float]
    lift: dict[str, tuple[float, float, float]] = Field(description="other arm -> (median, 5 %, 95 %)")
    spend: dict[str, float]
    conversions: dict[str, float]
    line: str
