"""The error taxonomy: every TikTok failure is classified here, once.

TikTok answers most errors with HTTP 200 and a non-zero ``code`` in the envelope, so the
body code decides first and the HTTP status second. Each class maps to a Temporal
``ApplicationError`` whose ``type`` is the class name; permanent ones are non-retryable.
Codes and their sources: docs/connector.md and docs/simulator.md.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.exceptions import ApplicationError


class TikTokError(Exception):
    """A TikTok call failed. Carries TikTok's code, message and request id."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
        endpoint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.http_status = http_status
        self.endpoint = endpoint
        self.retry_after = retry_after
        self.sent = True  # False when the request provably never reached TikTok

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.endpoint:
            parts.append(f"endpoint={self.endpoint}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)

    def to_application_error(self) -> ApplicationError:
        """The Temporal error an activity raises for this failure."""
        delay = timedelta(seconds=self.retry_after) if self.retry_after else None
        return ApplicationError(
            str(self),
            {"code": self.code, "request_id": self.request_id, "endpoint": self.endpoint},
            type=type(self).__name__,
            non_retryable=not self.retryable,
            next_retry_delay=delay,
        )


class RateLimited(TikTokError):
    """40100 / 40016 / 40133 or HTTP 429: too many requests; back off."""

    retryable = True


class Transient(TikTokError):
    """5xx, 50000/50002, 51xxx, 60001, 40202, timeouts and connection resets."""

    retryable = True


class AuthExpired(TikTokError):
    """40102/40104/40105/40106: the access token is missing, invalid or expired; refresh then retry."""

    retryable = True


class InvalidRequest(TikTokError):
    """40000/40002/40011/40067 and other parameter errors: fix the request, do not retry."""


class PermissionDenied(TikTokError):
    """40001 and the app/scope/allowlist codes: the token may not do this."""


class NotFound(TikTokError):
    """40051/40007/40300: the object or advertiser does not exist."""


class ReviewRejected(TikTokError):
    """TikTok's review refused the object (reserved for the review/rejection issue)."""


class AuthorizationFailed(TikTokError):
    """40101/40103/40107/40110: app credentials, auth code or refresh token are not valid."""


class UnknownApiError(TikTokError):
    """A code this client does not know: not retried, reported with TikTok's message."""


_BY_CODE: dict[int, type[TikTokError]] = {
    40100: RateLimited,
    40016: RateLimited,
    40133: RateLimited,
    61000: RateLimited,
    40102: AuthExpired,
    40104: AuthExpired,
    40105: AuthExpired,
    40106: AuthExpired,
    40101: AuthorizationFailed,
    40103: AuthorizationFailed,
    40107: AuthorizationFailed,
    40110: AuthorizationFailed,
    40000: InvalidRequest,
    40002: InvalidRequest,
    40006: InvalidRequest,
    40011: InvalidRequest,
    40050: InvalidRequest,
    40061: InvalidRequest,
    40062: InvalidRequest,
    40067: InvalidRequest,
    40900: InvalidRequest,
    40911: InvalidRequest,
    40001: PermissionDenied,
    40113: PermissionDenied,
    40118: PermissionDenied,
    40119: PermissionDenied,
    40125: PermissionDenied,
    40130: PermissionDenied,
    40007: NotFound,
    40051: NotFound,
    40300: NotFound,
    40301: NotFound,
    40202: Transient,
    40901: Transient,
    50000: Transient,
    50002: Transient,
    60001: Transient,
}


def classify_code(code: int) -> type[TikTokError]:
    """The class for a non-zero envelope code."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if 51000 <= code <= 52999:
        return Transient
    return UnknownApiError


def classify_http_status(status: int) -> type[TikTokError]:
    """The class for a non-200 HTTP answer that carries no envelope."""
    if status == 429:
        return RateLimited
    if status >= 500:
        return Transient
    if status in (401,):
        return AuthExpired
    if status == 403:
        return PermissionDenied
    if status == 404:
        return NotFound
    return InvalidRequest
