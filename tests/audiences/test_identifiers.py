"""Normalisation and hashing of each identifier type, against fixed known-answer digests."""

from __future__ import annotations

import pytest

from audiences.identifiers import Invalid, hashed, normalise, prehashed

EMAIL_SHA256 = "a744863d83aefc35f62f9a247025dedfc8964b3c0b39dd794dd3816851fc4a94"  # testuser@example.com
EMAIL_MD5 = "7ec7606c46a14a7ef514d1f1f9038823"
PHONE_SHA256 = "3d06a39d40790f11761295e053029378ae28c4b4f6f301693005e079f3d4ca64"  # +819012345678
MAID = "6d92078a-8246-4ba4-ae5b-76104861e7dc"
MAID_SHA256 = "31b806b4deec8c4cb1ffb18b9ab4ee1fa82a2b30e1f47902f04d03f5db023376"
MAID_MD5 = "0c2074fb86930fc4a2a7bb791240a7d3"
FIRST_SHA256 = "a045eb33f8797f35ea7d5fad7c5e0d021e2142e9c1bb6e9dc9f45b4f503b03e8"  # customer-42
FIRST_MD5 = "cd8e59ee8a860085890d6eac45cd29b0"


@pytest.mark.parametrize(
    ("value", "kind", "algorithm", "expected"),
    [
        ("testuser@example.com", "email", "sha256", EMAIL_SHA256),
        ("  Test.User+promo@Example.COM ", "email", "sha256", EMAIL_SHA256),  # trim, case, +tag, dots
        ("testuser@example.com", "email", "md5", EMAIL_MD5),
        ("+81 90-1234-5678", "phone", "sha256", PHONE_SHA256),
        ("0081 (90) 1234 5678", "phone", "sha256", PHONE_SHA256),
        ("819012345678", "phone", "sha256", PHONE_SHA256),  # country code without "+"
        (MAID.upper(), "maid", "sha256", MAID_SHA256),  # one case: lower
        (MAID, "maid", "md5", MAID_MD5),
        (" CUSTOMER-42 ", "first", "sha256", FIRST_SHA256),
        ("customer-42", "first", "md5", FIRST_MD5),
        (EMAIL_SHA256.upper(), "email", "sha256", EMAIL_SHA256),  # already hashed: not hashed twice
        (MAID_MD5, "maid", "md5", MAID_MD5),
    ],
)
def test_known_answers(value: str, kind: str, algorithm: str, expected: str) -> None:
    assert hashed(value, kind, algorithm) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "kind", "reason"),
    [
        ("", "email", "empty"),
        ("not-an-email", "email", "email_format"),
        ("@example.com", "email", "email_format"),
        ("090-1234-5678", "phone", "phone_no_country_code"),
        ("12345", "phone", "phone_format"),
        ("+81 90 abc", "phone", "phone_format"),
        ("not-a-uuid", "maid", "maid_format"),
        ("00000000-0000-0000-0000-000000000000", "maid", "maid_zeroed"),
    ],
)
def test_invalid_values_say_why(value: str, kind: str, reason: str) -> None:
    assert normalise(value, kind) == Invalid(reason)  # type: ignore[arg-type]
    assert hashed(value, kind, "sha256") == Invalid(reason)  # type: ignore[arg-type]


def test_prehashed_columns_must_hold_a_digest() -> None:
    assert prehashed(EMAIL_SHA256.upper(), "sha256") == EMAIL_SHA256
    assert prehashed("testuser@example.com", "sha256") == Invalid("not_sha256")
    assert prehashed(MAID_MD5, "sha256") == Invalid("not_sha256")
    assert prehashed(MAID_MD5, "md5") == MAID_MD5
