"""What activities share in one worker process: the store, the TikTok client, the cipher."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from temporalio.exceptions import ApplicationError

from connector import TikTokClient, TikTokError
from settings import Settings
from store import Store, TokenCipher
from store.tokens import TokenNotFound, load_tokens

T = TypeVar("T")


@dataclass
class Dependencies:
    """Long-lived objects built once per worker process and handed to activity classes."""

    store: Store
    tiktok: TikTokClient
    cipher: TokenCipher

    @classmethod
    def from_settings(cls, settings: Settings) -> Dependencies:
        return cls(
            store=Store(settings.effective_database_url),
            tiktok=TikTokClient(
                settings.tiktok_base_url,
                api_version=settings.tiktok_api_version,
                timeout=settings.http_timeout_seconds,
            ),
            cipher=TokenCipher.from_settings(
                settings.token_encryption_key.get_secret_value() if settings.token_encryption_key else None,
                settings.environment,
                settings.data_dir,
            ),
        )

    async def access_token(self, advertiser_id: str) -> str:
        """The advertiser's current access token, decrypted from the store."""
        async with self.store.session() as session:
            try:
                return (await load_tokens(session, self.cipher, advertiser_id)).access_token
            except TokenNotFound as exc:
                raise ApplicationError(str(exc), type="TokenNotFound", non_retryable=True) from exc

    async def aclose(self) -> None:
        await self.tiktok.aclose()
        await self.store.dispose()


async def tiktok_call(fn: Callable[[], Awaitable[T]]) -> T:
    """Run a connector call, turning TikTok errors into their Temporal ``ApplicationError``."""
    try:
        return await fn()
    except TikTokError as exc:
        raise exc.to_application_error() from exc
