"""The payload codec alone: key rings refuse bad entries by name, payloads of other encodings
pass through, a tampered payload is refused, and failures leave only "Encoded failure" in the
clear when the project's converter encrypts."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.exceptions import ApplicationError

from codec import EncryptionCodec, KeyRing, new_key
from settings import Settings
from temporal_client import data_converter


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("", "no key given"),
        ("k1", "entry 1: expected kid=base64key"),
        ("k1=not*base64", "'k1': not base64"),
        ("k1=AAAA", "'k1': 3 bytes, need 32"),
    ],
)
def test_a_bad_key_ring_is_refused_by_entry(spec: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        KeyRing.parse(spec)


async def test_plain_payloads_pass_and_tampered_ones_fail() -> None:
    codec = EncryptionCodec(KeyRing.parse(new_key("k1")))
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"hello"')
    (sealed,) = await codec.encode([plain])
    assert b"hello" not in sealed.data and sealed.metadata["encryption-key-id"] == b"k1"
    assert await codec.decode([sealed, plain]) == [plain, plain]  # old, unencrypted history reads
    tampered = Payload()
    tampered.CopyFrom(sealed)
    tampered.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(Exception):  # noqa: B017 -- AESGCM's InvalidTag: authenticated, not just hidden
        await codec.decode([tampered])


async def test_failure_messages_are_encrypted_too() -> None:
    converter = data_converter(Settings(payload_encryption_keys=SecretStr(new_key("k1"))))
    failure = Failure()
    await converter.encode_failure(ApplicationError("no access for jane@acme.example"), failure)
    assert failure.message == "Encoded failure" and b"jane" not in failure.SerializeToString()
    back = await converter.decode_failure(failure)
    assert "jane@acme.example" in str(back)
