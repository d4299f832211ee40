"""Normalise and hash one identifier the way TikTok matches it; say why when it cannot.

TikTok's customer-file rules: e-mail trimmed and lower-cased, ``+tag`` and dots of the local
part removed; phone in E.164 (``+`` country code and number, digits only); mobile ad ids
(IDFA, GAID/AAID) in one consistent case (we use lower case, as TikTok's partners do);
first-party ids trimmed and lower-cased (Treasure Data: "all upper or all lower"). A value
that is already a hex digest of the hash's length is lower-cased and passed through, never
hashed twice. Each failure is a short reason that the sync counts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["email", "phone", "maid", "first"]
Algorithm = Literal["sha256", "md5"]

DIGEST_HEX = {"sha256": 64, "md5": 32}
HEX = re.compile(r"^[0-9a-fA-F]+$")
EMAIL = re.compile(r"^[a-z0-9][^@\s]*@[^@\s]+\.[^@\s]+$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PHONE_SEPARATORS = re.compile(r"[\s\-().]")
ZERO_MAID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Invalid:
    """Why a value was not sent: a reason code the summary counts."""

    reason: str


def is_digest(value: str, algorithm: Algorithm) -> bool:
    return len(value) == DIGEST_HEX[algorithm] and bool(HEX.match(value))


def digest(value: str, algorithm: Algorithm) -> str:
    raw = value.encode("utf-8")
    return hashlib.sha256(raw).hexdigest() if algorithm == "sha256" else hashlib.md5(raw).hexdigest()


def normalise(value: str, kind: Kind) -> str | Invalid:
    """The value as TikTok hashes it, or why it is not a valid identifier of ``kind``."""
    text = value.strip()
    if not text:
        return Invalid("empty")
    if kind == "email":
        return normalise_email(text)
    if kind == "phone":
        return normalise_phone(text)
    if kind == "maid":
        lowered = text.lower()
        if not UUID.match(lowered):
            return Invalid("maid_format")
        return Invalid("maid_zeroed") if lowered == ZERO_MAID else lowered
    return text.lower()


def normalise_email(text: str) -> str | Invalid:
    lowered = text.lower()
    if not EMAIL.match(lowered):
        return Invalid("email_format")
    local, _, domain = lowered.partition("@")
    local = local.split("+", 1)[0].replace(".", "")
    return f"{local}@{domain}" if local else Invalid("email_format")


def normalise_phone(text: str) -> str | Invalid:
    """E.164: ``+`` and 8-15 digits. ``00`` becomes ``+``; digits without a leading zero are
    taken to start with their country code; a national number (leading 0) is refused."""
    compact = PHONE_SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact.removeprefix("+")
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        return Invalid("phone_format")
    if digits.startswith("0"):
        return Invalid("phone_no_country_code")
    return "+" + digits


def hashed(value: str | None, kind: Kind, algorithm: Algorithm) -> str | Invalid:
    """Normalise and hash ``value``, or pass an existing digest through (lower-cased)."""
    if value is None:
        return Invalid("empty")
    text = value.strip()
    if is_digest(text, algorithm):
        return text.lower()
    normal = normalise(text, kind)
    return normal if isinstance(normal, Invalid) else digest(normal, algorithm)


def prehashed(value: str | None, algorithm: Algorithm) -> str | Invalid:
    """A column that must already hold a digest (``email_sha256``, ``idfa_md5``...)."""
    if value is None or not value.strip():
        return Invalid("empty")
    text = value.strip()
    return text.lower() if is_digest(text, algorithm) else Invalid(f"not_{algorithm}")
