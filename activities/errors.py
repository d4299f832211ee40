"""How activities report failures to Temporal: classified once, in the connector."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from temporalio.exceptions import ApplicationError

from connector import TikTokError
from store.tokens import TokenNotFound

T = TypeVar("T")


async def guarded(awaitable: Awaitable[T]) -> T:
    """Await, turning TikTok errors into their Temporal ``ApplicationError`` and a
    never-connected advertiser into a non-retryable ``TokenNotFound``."""
    try:
        return await awaitable
    except TikTokError as exc:
        raise exc.to_application_error() from exc
    except TokenNotFound as exc:
        raise ApplicationError(str(exc), type="TokenNotFound", non_retryable=True) from exc
