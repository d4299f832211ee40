"""Pure decision logic of the optimization cycle: no I/O, numpy only. ``plan_cycle`` is the
entry point; ``account`` holds what it decides from."""

from optimizer.account import Account, AdGroupState, AdState, CampaignState
from optimizer.cycle import plan_cycle

__all__ = ["Account", "AdGroupState", "AdState", "CampaignState", "plan_cycle"]
