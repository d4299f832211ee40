"""Encryption of OAuth tokens at rest with Fernet (AES-128-CBC + HMAC, from ``cryptography``).

The key comes from settings. In ``dev`` a key is generated once and kept under the data
folder so that restarting the demo can still read its tokens; anywhere else a missing key
is an error, never a silent fallback.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from models.errors import ChangeLogKeyMissing, TokenDecryptError, TokenKeyMissing

__all__ = ["ChangeLogKeyMissing", "TokenCipher", "TokenDecryptError", "TokenKeyMissing", "change_log_key"]


class TokenCipher:
    """Encrypts and decrypts tokens; never logs or returns them in reprs."""

    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise TokenKeyMissing(
                "TTADS_TOKEN_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes); "
                "make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from exc

    def __repr__(self) -> str:
        return "TokenCipher(<key hidden>)"

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._fernet.decrypt(blob).decode()
        except InvalidToken as exc:
            raise TokenDecryptError(
                "stored token cannot be decrypted: TTADS_TOKEN_ENCRYPTION_KEY differs from the key "
                "it was written with"
            ) from exc

    @classmethod
    def from_settings(cls, key: str | None, environment: str, data_dir: Path) -> TokenCipher:
        """The configured key; in dev, a generated key persisted at ``data_dir/token.key``."""
        if key:
            return cls(key)
        if environment != "dev":
            raise TokenKeyMissing(
                f"TTADS_TOKEN_ENCRYPTION_KEY must be set when TTADS_ENVIRONMENT={environment}; "
                "tokens are stored encrypted and there is no default key outside dev"
            )
        return cls(dev_key(data_dir / "token.key", Fernet.generate_key))


def change_log_key(key: str | None, environment: str, data_dir: Path) -> bytes:
    """The HMAC key of the change log's hash chain: configured, or in dev a random key kept
    at ``data_dir/change-log.key``. Never stored in the database it protects."""
    if key:
        return key.encode()
    if environment != "dev":
        raise ChangeLogKeyMissing(
            f"TTADS_CHANGE_LOG_KEY must be set when TTADS_ENVIRONMENT={environment}: the change log's "
            "hash chain is keyed so that whoever can write the database cannot re-hash it"
        )
    return dev_key(data_dir / "change-log.key", lambda: secrets.token_hex(32).encode())


def dev_key(path: Path, make: Callable[[], bytes]) -> bytes:
    """A key generated once for the dev stack and kept in ``path`` (mode 600), so that a
    restarted demo still reads what it wrote."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(make())
    return path.read_bytes().strip()
