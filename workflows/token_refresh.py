"""``TokenRefresh``: keep one advertiser's TikTok token alive, forever, one cycle per run.

An expiring token (the spec's 24 h access / 1 year refresh flow) is refreshed 30 minutes
before it expires. A long-term token (what TikTok's Marketing API issues today) is never
refreshed, only checked once a day with a health call; a revoked one fails the workflow
with ``AuthorizationFailed`` so that an operator re-authorises. Each run of an expiring token
starts with the same health call, so every advertiser gets one a day. A refresh or health
call that fails for good raises a critical alert first; a token with no refresh token that
expires within the hour, a warning. Each cycle ends with
continue-as-new, so history stays a handful of events. Start it with the workflow id
``token-refresh-<advertiser_id>`` and the "use existing" conflict policy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import TokenLifecycle
    from models.alerts import Alert, Level
    from models.workflows import TOKEN_REFRESH, TokenRefreshInput, TokenRefreshStatus, TokenState
    from workflows.common import ADVERTISER_ID, send_alert, tiktok_activity, validated_input

REFRESH_BEFORE_EXPIRY = timedelta(minutes=30)
HEALTH_CHECK_EVERY = timedelta(hours=24)
STEP_TIMEOUT = timedelta(minutes=2)
EXPIRY_WARNING = timedelta(hours=1)  # a token that cannot be refreshed: warn this long before


@workflow.defn(name=TOKEN_REFRESH)
class TokenRefresh:
    def __init__(self) -> None:
        self._status: TokenRefreshStatus | None = None

    @workflow.run
    async def run(self, inp: TokenRefreshInput | dict[str, Any]) -> None:
        model = validated_input(TokenRefreshInput, inp)
        adv = model.advertiser_id
        self._status = TokenRefreshStatus(advertiser_id=adv, phase="reading token state")
        workflow.upsert_search_attributes([ADVERTISER_ID.value_set(adv)])
        state = await self._activity(TokenLifecycle.token_state, adv, "Read token expiry (never the token)")
        self._status.token = state
        alerts = workflow.patched("token-alerts")
        expires = state.access_expires_at
        if alerts and expires is not None and not state.has_refresh_token:
            left = expires - workflow.now()
            if left < EXPIRY_WARNING:
                minutes = max(left.total_seconds(), 0) // 60
                await self._alert(
                    "warning",
                    "token_expiring",
                    f"TikTok token of advertiser {adv} expires in {minutes:.0f} min",
                    "It has no refresh token: reconnect the advertiser (starter.py token connect).",
                )

        if state.long_term:
            wake = workflow.now() + HEALTH_CHECK_EVERY
            self._wait("waiting for the daily health check of a long-term token", wake)
            await workflow.sleep(HEALTH_CHECK_EVERY, summary="daily health check of a long-term token")
            self._status.phase = "checking token"
            self._status.token = await self._alerting(
                alerts, TokenLifecycle.check_token, adv, "Health call with the token"
            )
        else:
            assert state.access_expires_at is not None
            if alerts and state.access_expires_at - workflow.now() > REFRESH_BEFORE_EXPIRY:
                # the daily health call every advertiser gets (section 14), not only long-term ones
                self._status.phase = "checking token"
                self._status.token = await self._alerting(
                    alerts, TokenLifecycle.check_token, adv, "Health call with the token"
                )
            wake = state.access_expires_at - REFRESH_BEFORE_EXPIRY
            delay = wake - workflow.now()
            self._wait("waiting until 30 minutes before the access token expires", wake)
            if delay > timedelta(0):
                await workflow.sleep(delay, summary=f"refresh at {wake.isoformat()}")
            self._status.phase = "refreshing token"
            self._status.token = await self._alerting(
                alerts, TokenLifecycle.refresh_token, adv, "Refresh the token pair"
            )
        workflow.continue_as_new(model)

    def _wait(self, phase: str, until: datetime) -> None:
        assert self._status is not None
        self._status.phase = phase
        self._status.next_action_at = until
        workflow.set_current_details(f"{phase} (next action {until:%Y-%m-%d %H:%M} UTC)")

    async def _activity(
        self, activity: Callable[[Any, str], Awaitable[TokenState]], adv: str, summary: str
    ) -> TokenState:
        return await tiktok_activity(activity, adv, summary=summary, start_to_close=STEP_TIMEOUT)

    async def _alerting(
        self, alerts: bool, activity: Callable[[Any, str], Awaitable[TokenState]], adv: str, summary: str
    ) -> TokenState:
        """The refresh or health call; when it fails for good, a critical alert, then the failure."""
        try:
            return await self._activity(activity, adv, summary)
        except ActivityError as err:
            if alerts:
                cause = err.cause.message if isinstance(err.cause, ApplicationError) else str(err)
                await self._alert(
                    "critical",
                    "token_refresh_failed",
                    f"TikTok token of advertiser {adv} could not be refreshed or checked",
                    f"{summary} failed: {cause}. Its schedules will fail until it is reconnected "
                    "(starter.py token connect).",
                )
            raise

    async def _alert(self, level: Level, kind: str, title: str, body: str) -> None:
        assert self._status is not None
        adv = self._status.advertiser_id
        wid = workflow.info().workflow_id
        await send_alert(
            Alert(level=level, kind=kind, title=title, body=body, advertiser_id=adv, workflow_id=wid)
        )

    @workflow.query(name="status")
    def status(self) -> TokenRefreshStatus | None:
        """What the workflow waits for and when it acts next."""
        return self._status
