"""``EncryptionCodec``: AES-256-GCM over each serialized payload, the key's id in its metadata.

Several keys may be configured (``kid=base64key,...``): the first encrypts, all decrypt, so
a key is rotated by putting a new one first and keeping the old ones until no history that
needs them is retained. A payload of another encoding passes through untouched (histories
written before encryption was turned on stay readable); one under an unknown key id fails
with the id named. The cipher is ``cryptography``'s AESGCM: nothing hand-rolled.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE = 12


class KeyRingError(ValueError):
    """A key ring that cannot be used: the message says which entry and why."""


@dataclass(frozen=True)
class KeyRing:
    """Keys by id; ``active`` encrypts."""

    keys: dict[str, bytes]
    active: str

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """``kid=base64key[,kid=base64key...]``, the first active; each key 32 bytes (AES-256)."""
        keys: dict[str, bytes] = {}
        for n, entry in enumerate(e.strip() for e in spec.split(",") if e.strip()):
            kid, sep, encoded = entry.partition("=")
            if not sep or not kid.strip():
                raise KeyRingError(f"payload_encryption_keys entry {n + 1}: expected kid=base64key")
            try:
                key = base64.b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4), validate=True)
            except ValueError:
                raise KeyRingError(f"payload_encryption_keys {kid.strip()!r}: not base64") from None
            if len(key) != 32:
                raise KeyRingError(f"payload_encryption_keys {kid.strip()!r}: {len(key)} bytes, need 32")
            keys[kid.strip()] = key
        if not keys:
            raise KeyRingError("payload_encryption_keys: no key given")
        return cls(keys=keys, active=next(iter(keys)))


def new_key(kid: str) -> str:
    """A fresh ``kid=base64key`` entry for ``payload_encryption_keys``."""
    return f"{kid}={base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._ciphers = {kid: AESGCM(key) for kid, key in ring.keys.items()}

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE)
        sealed = self._ciphers[self.ring.active].encrypt(nonce, payload.SerializeToString(), None)
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: self.ring.active.encode()}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        kid = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise ValueError(f"payload encrypted with key id {kid!r}, which payload_encryption_keys lacks")
        plain = Payload()
        plain.ParseFromString(cipher.decrypt(payload.data[:NONCE], payload.data[NONCE:], None))
        return plain

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]


def decode_tree(codec: EncryptionCodec, message: Message) -> None:
    """Decrypt, in place, every encrypted payload anywhere in ``message`` (a history, an
    event): for readers of history that do not go through a worker (audit, rollback)."""
    for payload in payloads_in(message):
        if payload.metadata.get("encoding") == ENCODING:
            payload.CopyFrom(codec.decrypt(payload))


def payloads_in(message: Message) -> Iterable[Payload]:
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            items: Iterable[object] = [value]
        elif callable(getattr(value, "values", None)):  # a map
            items = value.values()
        else:
            items = value
        for item in items:
            if isinstance(item, Message):
                yield from payloads_in(item)
