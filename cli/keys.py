"""``starter.py users key create | revoke``: the keys signed approvals are made with.

``create USER`` makes an Ed25519 key pair, registers the public key and writes the private
one to the user's credential file (mode 600): ``$TTADS_CREDENTIALS_DIR/<user>.json``,
default ``~/.config/ttads/credentials/``. ``approve``/``reject --as USER`` sign with it.
``create --service slack`` makes the receiver's key for Slack buttons instead, ``--service
dashboard`` the dashboard's.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import EXIT_BAD_INPUT, console, err, store_session
from models.identity import new_key, sign
from models.launch import ApprovalRequest, Verdict

keys_app = typer.Typer(help="Keys that sign approvals (a person's, or the Slack receiver's).")


def credentials_dir() -> Path:
    configured = os.environ.get("TTADS_CREDENTIALS_DIR")
    return Path(configured) if configured else Path.home() / ".config" / "ttads" / "credentials"


def credential_path(user: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "@._-" else "_" for c in user)
    return credentials_dir() / f"{safe}.json"


def load_credential(user: str) -> dict[str, Any] | None:
    path = credential_path(user)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data if data.get("user_id") == user else None


def signed_request(workflow_id: str, decision: Verdict, req: ApprovalRequest) -> ApprovalRequest:
    """``req`` signed with the approver's own key when they have one (else as it is; a service
    that requires signatures then refuses it with the reason)."""
    credential = load_credential(req.approver)
    if credential is None:
        return req
    req = req.model_copy(update={"via": "cli"})
    return sign(
        credential["private_key"], credential["key_id"], workflow_id, decision, req, datetime.now(UTC)
    )


@keys_app.command("create")
def create(
    user: Annotated[
        str, typer.Argument(help="the approver (as in users grant), or a name for a service key")
    ],
    service: Annotated[
        str | None, typer.Option(help="slack or dashboard: a service's key for approvals made through it")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="where to write the private key")] = None,
) -> None:
    """Make a key pair: the public key goes to the store, the private key to a file only you read."""
    if service not in (None, "slack", "dashboard"):
        err.print(f"service: only slack and dashboard sign approvals for others, not {service!r}")
        raise typer.Exit(EXIT_BAD_INPUT)
    private, public = new_key()

    async def go() -> str:
        from store import identity

        async with store_session() as session:
            return await identity.add_key(session, user, public, service)

    key_id = asyncio.run(go())
    path = out or credential_path(user)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"user_id": user, "key_id": key_id, "private_key": private, "service": service}, handle)
    console.print(f"key {key_id} for {user}: public key stored, private key written to {path} (mode 600)")
    if service == "slack":
        console.print(
            "give the receiver TTADS_SLACK_APPROVAL_KEY (private_key of that file) and "
            f"TTADS_SLACK_APPROVAL_KEY_ID={key_id}; map people with starter.py users slack SLACK_ID USER"
        )


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="the key id create printed")]) -> None:
    """Stop accepting approvals signed with this key (runs planned later no longer know it)."""

    async def go() -> bool:
        from store import identity

        async with store_session() as session:
            return await identity.revoke(session, key_id)

    if not asyncio.run(go()):
        err.print(f"no live key {key_id}")
        raise typer.Exit(EXIT_BAD_INPUT)
    console.print(f"key {key_id} revoked")


def map_slack(
    slack_user_id: Annotated[str, typer.Argument(help="the Slack member id (U…)")],
    user: Annotated[str, typer.Argument(help="the service user their button presses are")],
) -> None:
    """Map a Slack member to a service user (their Approve/Reject buttons approve as that user)."""

    async def go() -> None:
        from store import identity

        async with store_session() as session:
            await identity.map_slack_user(session, slack_user_id, user)

    asyncio.run(go())
    console.print(f"Slack {slack_user_id} approves as {user}")
