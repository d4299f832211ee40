"""``starter.py users key``: the private key only in the user's file (mode 600), the public
key in the store, and ``approve --as`` signing with it so a plan's keys accept it."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.keys import signed_request
from models.identity import signature_refusal
from models.launch import ApprovalRequest
from store import Store, identity
from tests.cliutil import cli


def test_a_created_key_signs_approvals_the_store_can_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "keys.db"
    run = cli({"TTADS_DATABASE_URL": f"sqlite:///{db}", "TTADS_CREDENTIALS_DIR": str(tmp_path / "creds")})

    made = run("users", "key", "create", "alice@example.com")
    assert made.exit_code == 0, made.output
    path = tmp_path / "creds" / "alice@example.com.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credential = json.loads(path.read_text())
    assert credential["user_id"] == "alice@example.com" and len(credential["private_key"]) == 64
    assert run("users", "key", "create", "x", "--service", "teams").exit_code == 2

    monkeypatch.setenv("TTADS_CREDENTIALS_DIR", str(tmp_path / "creds"))
    req = signed_request("launch-x", "approve", ApprovalRequest(approver="alice@example.com", reason="ok"))
    assert req.via == "cli" and req.key_id == credential["key_id"] and req.signature
    unsigned = signed_request("launch-x", "approve", ApprovalRequest(approver="bob@example.com"))
    assert unsigned.signature is None  # bob has no key here: sent as it is, refused where required

    async def signing() -> Any:
        store = Store(f"sqlite+aiosqlite:///{db}")
        try:
            async with store.session() as session:
                return await identity.signing_for(session, ["alice@example.com"], required=True)
        finally:
            await store.dispose()

    plan = asyncio.run(signing())
    now = datetime.now(UTC)
    assert signature_refusal(plan, "launch-x", "approve", req, now, set()) is None
    assert run("users", "key", "revoke", credential["key_id"]).exit_code == 0
    assert asyncio.run(signing()).keys == []  # a revoked key is in no later plan
    assert run("users", "key", "revoke", credential["key_id"]).exit_code == 2
