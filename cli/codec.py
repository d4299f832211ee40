"""``starter.py codec new-key KID``: a key for payload encryption; rotating keys is described in
docs/runbooks/payload-encryption.md (add it last everywhere, then first, keep the old ones)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import console

codec_app = typer.Typer(help="Payload encryption keys (the Temporal payload codec).")


@codec_app.command("new-key")
def new_key(kid: Annotated[str, typer.Argument(help="the key's id, e.g. k2026-12")]) -> None:
    """Print a new AES-256 key entry (kid=base64key) for TTADS_PAYLOAD_ENCRYPTION_KEYS."""
    from codec import new_key as make

    console.print(make(kid), soft_wrap=True)
