"""What the optimizer decides from: one advertiser's campaigns, ad groups and ads with their
recent numbers, and the month's spend for pacing. Plain frozen dataclasses, built by the
``decide_changes`` activity from the store; the optimizer itself does no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from optimizer.experiments import ExperimentState


@dataclass(frozen=True)
class AdState:
    """One ad and its numbers over the lookback window (7 days by default)."""

    ad_id: str
    adgroup_id: str
    name: str = ""
    live: bool = True
    impressions: float = 0.0
    clicks: float = 0.0
    conversions: float = 0.0
    spend: float = 0.0
    recent_ctr: float | None = None  # CTR of the last two days
    earlier_ctr: float | None = None  # CTR of the days before them
    weighted_spend: float | None = None  # spend and conversions with older days discounted
    weighted_conversions: float | None = None


@dataclass(frozen=True)
class AdGroupState:
    """One ad group: settings as TikTok has them now, numbers over the lookback window."""

    adgroup_id: str
    campaign_id: str
    name: str = ""
    enabled: bool = True
    budget: float | None = None
    budget_mode: str = "BUDGET_MODE_DAY"
    bid_type: str | None = None
    conversion_bid_price: float | None = None
    spend: float = 0.0
    conversions: float = 0.0
    clicks: float = 0.0
    impressions: float = 0.0
    spend_today: float = 0.0
    days_with_spend: int = 0
    paused_by_optimizer: bool = False
    idle_days: int | None = None  # days since it last spent (None: not within the window)
    ads: tuple[AdState, ...] = ()
    weighted_spend: float | None = None  # what the posteriors see: older days count less
    weighted_conversions: float | None = None

    @property
    def evidence(self) -> tuple[float, float]:
        """(conversions, spend) the posteriors learn from: discounted when known, else raw. A
        paused ad group keeps its last week as it was: it is judged by what it did, and comes
        back to the prior only once that week is out of the window."""
        if not self.enabled or self.weighted_spend is None or self.weighted_conversions is None:
            return self.conversions, self.spend
        return self.weighted_conversions, self.weighted_spend

    @property
    def live_ads(self) -> list[AdState]:
        return [a for a in self.ads if a.live]

    def in_learning(self, conversions_to_exit: int) -> bool:
        """TikTok's learning phase by the spec's rule: fewer than 50 conversions in 7 days."""
        return self.conversions < conversions_to_exit

    @property
    def daily_spend(self) -> float:
        """Average spend per day it delivered in the window."""
        return self.spend / max(1, self.days_with_spend)


@dataclass(frozen=True)
class CampaignState:
    campaign_id: str
    name: str = ""
    enabled: bool = True
    budget_mode: str = "BUDGET_MODE_INFINITE"
    budget: float | None = None


@dataclass(frozen=True)
class Account:
    """One advertiser as the cycle sees it."""

    advertiser_id: str
    campaigns: tuple[CampaignState, ...] = ()
    adgroups: tuple[AdGroupState, ...] = ()
    monthly_budget: float | None = None
    month_spend: float = 0.0  # spent this month before today
    day_of_month: int = 1
    days_in_month: int = 30
    day_elapsed: float = 0.0  # share of today's traffic already past (hour-of-day curve)
    changes_today: int = 0  # changes the optimizer already made today
    experiments: tuple[ExperimentState, ...] = ()  # running ones: their arms are left to them
    # the hierarchical fit (PriorFit): Gamma (shape, rate) per campaign, and for the account
    priors: dict[str, tuple[float, float]] = field(default_factory=dict, compare=False)
    account_prior: tuple[float, float] | None = None
    priors_note: str = ""
    campaign_index: dict[str, CampaignState] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.campaign_index.update({c.campaign_id: c for c in self.campaigns})

    def campaign(self, campaign_id: str) -> CampaignState | None:
        return self.campaign_index.get(campaign_id)
