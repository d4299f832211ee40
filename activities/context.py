"""What activities share in one worker process: the store, the TikTok client, tokens."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.common import MetricMeter

from activities.tokens import StoredTokens
from connector import TikTokClient
from connector.breaker import CircuitBreaker
from connector.client import RetrySettings
from connector.telemetry import ConnectorMetrics
from settings import Settings
from store import Store, TokenCipher


@dataclass
class Dependencies:
    """Long-lived objects built once per worker process and handed to activity classes."""

    store: Store
    tiktok: TikTokClient
    cipher: TokenCipher
    tokens: StoredTokens

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
        tokens = StoredTokens(
            store,
            cipher,
            app_id=settings.tiktok_app_id,
            app_secret=settings.tiktok_app_secret.get_secret_value(),
        )
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
            ),
            tokens=tokens,
            metrics=ConnectorMetrics(meter),
        )
        tokens.oauth_client = tiktok
        return cls(store=store, tiktok=tiktok, cipher=cipher, tokens=tokens)

    async def aclose(self) -> None:
        await self.tiktok.aclose()
        await self.store.dispose()
