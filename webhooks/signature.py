"""Webhook signatures: TikTok's published scheme and the requirement document's, both checked
in constant time against every configured secret (several during a rotation).

- TikTok (developers.tiktok.com, webhooks verification): ``TikTok-Signature: t=<unix>,s=<hex>``
  with ``s = HMAC-SHA256(secret, "<t>.<raw body>")``; ``t`` is the timestamp to check.
- Requirement document section 23.6: ``X-TikTok-Signature: sha256=<hex>`` (the bare hex is
  accepted too) with ``HMAC-SHA256(secret, raw body)``; the timestamp to check is the signed
  body's ``timestamp`` (or ``create_time``/``time``), else the ``X-TikTok-Timestamp`` header.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class SignatureError(Exception):
    """Why a request is refused (logged, never told to the caller)."""


@dataclass(frozen=True)
class Verified:
    scheme: str  # "tiktok" | "spec"
    timestamp: int | None  # None: take it from the body


def _mac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _matches(expected_hex: str, secrets: Sequence[str], message: bytes) -> bool:
    ok = False
    for secret in secrets:  # no early exit: every secret costs the same
        ok |= hmac.compare_digest(_mac(secret, message), expected_hex.lower())
    return ok


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> Verified:
    """The scheme that signed ``body``; ``SignatureError`` if none did. ``headers`` lower-case."""
    tiktok = headers.get("tiktok-signature")
    if tiktok:
        parts = dict(p.split("=", 1) for p in tiktok.split(",") if "=" in p)
        stamp, mac = parts.get("t", "").strip(), parts.get("s", "").strip()
        if not stamp.isdigit() or not mac:
            raise SignatureError("TikTok-Signature is not t=<unix>,s=<hex>")
        if not _matches(mac, secrets, stamp.encode() + b"." + body):
            raise SignatureError("TikTok-Signature does not match")
        return Verified("tiktok", int(stamp))
    spec = headers.get("x-tiktok-signature")
    if spec:
        mac = spec.strip().removeprefix("sha256=")
        if not _matches(mac, secrets, body):
            raise SignatureError("X-TikTok-Signature does not match")
        header_stamp = headers.get("x-tiktok-timestamp", "").strip()
        return Verified("spec", int(header_stamp) if header_stamp.isdigit() else None)
    raise SignatureError("no TikTok-Signature or X-TikTok-Signature header")
