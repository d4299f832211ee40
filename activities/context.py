"""What activities share in one worker process: the store, the TikTok client, tokens, and
the change log's chain key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from temporalio.common import MetricMeter

from connector import TikTokClient
from connector.breaker import CircuitBreaker
from connector.client import RetrySettings
from connector.limits import FamilyLimit, RateLimits
from connector.oauth import OAuthApp
from connector.telemetry import ConnectorMetrics
from settings import Settings
from store import Store, TokenCipher
from store.tokens import StoredTokens


def oauth_app(settings: Settings) -> OAuthApp:
    """The configured developer app, with a client of its own for ``oauth2/`` calls."""
    client = TikTokClient(
        settings.tiktok_base_url,
        api_version=settings.tiktok_api_version,
        timeout=settings.http_timeout_seconds,
        app_id=settings.tiktok_app_id,
    )
    return OAuthApp(client, settings.tiktok_app_id, settings.tiktok_app_secret.get_secret_value())


@dataclass
class Dependencies:
    """Long-lived objects built once per worker process and handed to activity classes."""

    store: Store
    tiktok: TikTokClient
    cipher: TokenCipher
    tokens: StoredTokens
    oauth: OAuthApp
    change_log_key: bytes
    clock_url: str | None = None
    settings: Settings | None = None
    _sandbox: TikTokClient | None = None

    async def tiktok_now(self) -> datetime:
        """TikTok's current time (UTC, naive): the simulator's clock when one is configured."""
        if not self.clock_url:
            return datetime.now(UTC).replace(tzinfo=None)
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(self.clock_url)
            answer.raise_for_status()
        return datetime.fromisoformat(str(answer.json()["now"])).replace(tzinfo=None)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        store: Store | None = None,
        cipher: TokenCipher | None = None,
        meter: MetricMeter | None = None,
    ) -> Dependencies:
        store = store or Store(settings.effective_database_url)
        cipher = cipher or settings.token_cipher()
        from activities.watch import ConnectorAlerts  # it imports activities that import this module

        watch = ConnectorAlerts(store, settings)
        oauth = oauth_app(settings)
        tokens = StoredTokens(store, cipher, refresher=oauth)
        metrics = ConnectorMetrics(meter, on_high_usage=watch.high_usage)

        def circuit_open(advertiser_id: str, failures: int) -> None:
            metrics.circuit_opened(advertiser_id)
            watch.circuit_open(advertiser_id, failures)

        tiktok = TikTokClient(
            settings.tiktok_base_url,
            api_version=settings.tiktok_api_version,
            timeout=settings.http_timeout_seconds,
            family_timeouts=settings.family_timeouts,
            app_id=settings.tiktok_app_id,
            limits=settings.rate_limits,
            processes=settings.rate_limit_processes,
            retry=RetrySettings(
                max_inline_wait=settings.retry_max_inline_wait_seconds,
                max_attempts=settings.retry_max_attempts,
            ),
            breaker=CircuitBreaker(
                threshold=settings.circuit_breaker_threshold,
                cooldown=settings.circuit_breaker_cooldown_seconds,
                on_open=circuit_open,
            ),
            tokens=tokens,
            metrics=metrics,
        )
        key = settings.change_log_hmac_key()
        return cls(
            store=store,
            tiktok=tiktok,
            cipher=cipher,
            tokens=tokens,
            oauth=oauth,
            change_log_key=key,
            clock_url=settings.tiktok_clock_url,
            settings=settings,
        )

    def sandbox(self) -> TikTokClient:
        """A client for TikTok's sandbox (audience jobs with ``use_sandbox``), at its 1 request a
        second and 30 a minute; built on first use, closed with the others."""
        if self._sandbox is None:
            settings = self.settings or Settings()
            if not settings.tiktok_sandbox_base_url:
                raise ValueError("no sandbox base URL is configured")
            sandbox = FamilyLimit(advertiser_qps=1, advertiser_qpm=30, app_qps=1, app_qpm=30)
            self._sandbox = TikTokClient(
                settings.tiktok_sandbox_base_url,
                tokens=self.tokens,
                app_id=settings.tiktok_app_id,
                limits=RateLimits(default=sandbox, families={}),
            )
        return self._sandbox

    async def close_clients(self) -> None:
        """Close the HTTP clients (the store stays open: it may be shared)."""
        if self._sandbox is not None:
            await self._sandbox.aclose()
        await self.tiktok.aclose()
        await self.oauth.aclose()

    async def aclose(self) -> None:
        await self.close_clients()
        await self.store.dispose()
