"""The activities of ``TokenRefresh``: tokens stay in the store, only their state is returned.

Loading, refreshing and connecting tokens is ``store.tokens``; these are thin wrappers."""

from __future__ import annotations

from temporalio import activity

from activities.interfaces import TokenLifecycle
from connector.client import TikTokClient
from connector.management import get_advertiser
from models.workflows import TokenState
from store.tokens import StoredTokens, token_state


class TokenActivities(TokenLifecycle):
    """Activities of ``TokenRefresh``; tokens stay in the store, only their state is returned."""

    def __init__(self, tokens: StoredTokens, tiktok: TikTokClient) -> None:
        self.tokens = tokens
        self.tiktok = tiktok

    @activity.defn
    async def token_state(self, advertiser_id: str) -> TokenState:
        return token_state(await self.tokens.load(advertiser_id, fresh=True))

    @activity.defn
    async def refresh_token(self, advertiser_id: str) -> TokenState:
        """Refresh if still due (another path may have refreshed first); returns the new state.

        "Now" is the time Temporal scheduled this attempt, so expiry times agree with the
        workflow's clock (identical to the wall clock in production).
        """
        now = activity.info().current_attempt_scheduled_time
        current = await self.tokens.load(advertiser_id, fresh=True)
        if self.tokens.due(current, now):
            try:
                current = await self.tokens.refresh(advertiser_id, current.version, now=now)
            except Exception:
                self.tiktok.metrics.refreshed("failure")  # the SLO alert: a refresh that fails is critical
                raise
            self.tiktok.metrics.refreshed("success")
        return token_state(current)

    @activity.defn
    async def check_token(self, advertiser_id: str) -> TokenState:
        """A health call with the token (``advertiser/info/``); a revoked token fails for good."""
        await get_advertiser(self.tiktok, advertiser_id)
        return token_state(await self.tokens.load(advertiser_id, fresh=True))
