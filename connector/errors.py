"""The error taxonomy: every TikTok failure is classified here, once, from one table.

TikTok answers most errors with HTTP 200 and a non-zero ``code`` in the envelope, so the
body code decides first and the HTTP status second. The classes live in the service's one
error tree (``models/errors.py``): each is a Temporal ``ApplicationError`` whose ``type``
is the class name; permanent ones are non-retryable. Codes and their sources:
docs/connector.md and docs/simulator.md.
"""

from __future__ import annotations

from models.errors import (
    AuthExpired,
    AuthorizationFailed,
    CircuitOpen,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReviewRejected,
    TikTokError,
    Transient,
    UnknownApiError,
)

__all__ = [
    "AuthExpired",
    "AuthorizationFailed",
    "CircuitOpen",
    "InvalidRequest",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ReviewRejected",
    "TikTokError",
    "Transient",
    "UnknownApiError",
    "classify_code",
    "classify_http_status",
]


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
