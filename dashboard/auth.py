"""Who is looking: login links and session cookies, both signed with the dashboard's key.

There are no passwords: an administrator prints a login link for a user
(``starter.py dashboard link USER``), valid for a while and once per login; following it
sets a session cookie (HMAC-signed user id and expiry). What the user may see comes from
their memberships (section 15): any role reads its tenants' advertisers; nobody edits here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from settings import Settings

COOKIE = "ttads_session"


def dashboard_key(settings: Settings) -> bytes:
    """The signing key: ``TTADS_DASHBOARD_SECRET``, else derived from the change log's key."""
    if settings.dashboard_secret is not None:
        return settings.dashboard_secret.get_secret_value().encode()
    return hmac.new(settings.change_log_hmac_key(), b"dashboard", hashlib.sha256).digest()


def _sign(key: bytes, purpose: str, user_id: str, expires: int) -> str:
    body = f"{purpose}|{user_id}|{expires}"
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(f"{body}|{mac}".encode()).decode().rstrip("=")


def _check(key: bytes, purpose: str, token: str, now: float | None = None) -> str | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        kind, user_id, expires, mac = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        return None
    expected = hmac.new(key, f"{kind}|{user_id}|{expires}".encode(), hashlib.sha256).hexdigest()
    if kind != purpose or not hmac.compare_digest(mac, expected) or not expires.isdigit():
        return None
    return user_id if int(expires) > (now if now is not None else time.time()) else None


def login_token(key: bytes, user_id: str, minutes: float = 60) -> str:
    return _sign(key, "login", user_id, int(time.time() + minutes * 60))


def session_cookie(key: bytes, user_id: str, hours: float = 12) -> str:
    return _sign(key, "session", user_id, int(time.time() + hours * 3600))


def user_from_login(key: bytes, token: str) -> str | None:
    return _check(key, "login", token)


def user_from_session(key: bytes, cookie: str | None) -> str | None:
    return _check(key, "session", cookie) if cookie else None
