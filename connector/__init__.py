"""The TikTok Marketing API client: transport, error taxonomy, one module per API family."""

from connector import files, management
from connector.client import TikTokClient
from connector.errors import (
    AuthExpired,
    AuthorizationFailed,
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
    "InvalidRequest",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ReviewRejected",
    "TikTokClient",
    "TikTokError",
    "Transient",
    "UnknownApiError",
    "files",
    "management",
]
