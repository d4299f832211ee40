"""Approvals with an identity the service verified: Ed25519 signatures over the decision.

Each approver holds a private key (``starter.py users key create``); the store keeps only
the public key. The CLI signs ``approve``/``reject`` with it; the webhook receiver signs a
Slack button press (after checking Slack's own signature and mapping the Slack user) with
the service key registered for ``slack``. Workflows get the public keys of their approvers
with their plan and check every decision in the update validator, so an unsigned, forged,
replayed (nonce seen before) or expired approval is refused with its reason. Pure and
deterministic: workflows import it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, Field

if TYPE_CHECKING:  # models.launch imports this module (its plans carry a Signing)
    from models.launch import ApprovalRequest, Verdict

MAX_AGE = timedelta(minutes=10)
MAX_SKEW = timedelta(minutes=2)


class ApproverKey(BaseModel):
    """A public key: a person's own, or a service's (``service`` names the channel it speaks for)."""

    key_id: str
    user_id: str
    public_key: str = Field(description="raw Ed25519 public key, hex")
    service: str | None = Field(default=None, description="e.g. slack: may sign for any approver, via it")


class Signing(BaseModel):
    """What a workflow needs to check approvals: whether they must be signed, and the keys."""

    required: bool = False
    keys: list[ApproverKey] = Field(default_factory=list)


def message(workflow_id: str, decision: Verdict, req: ApprovalRequest) -> bytes:
    """The bytes a signature covers: everything that makes the decision what it is."""
    signed_at = req.signed_at.isoformat() if req.signed_at else ""
    fields = (workflow_id, decision, req.approver, str(req.stage or ""), req.reason or "", req.via or "")
    return "\n".join((*fields, signed_at, req.nonce or "")).encode()


def new_key() -> tuple[str, str]:
    """``(private hex, public hex)`` of a fresh Ed25519 key."""
    private = Ed25519PrivateKey.generate()
    return private.private_bytes_raw().hex(), private.public_key().public_bytes_raw().hex()


def sign(
    private_hex: str, key_id: str, workflow_id: str, decision: Verdict, req: ApprovalRequest, now: datetime
) -> ApprovalRequest:
    """``req`` signed now with a fresh nonce."""
    signed = req.model_copy(update={"key_id": key_id, "signed_at": now, "nonce": secrets.token_hex(16)})
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))
    signature = key.sign(message(workflow_id, decision, signed)).hex()
    return signed.model_copy(update={"signature": signature})


def signature_refusal(
    signing: Signing,
    workflow_id: str,
    decision: Verdict,
    req: ApprovalRequest,
    now: datetime,
    used_nonces: set[str],
) -> str | None:
    """Why the signature on ``req`` is not good enough, or None."""
    if not signing.required:
        return None
    if not (req.signature and req.key_id and req.signed_at and req.nonce):
        return (
            "this service requires signed approvals: approve with starter.py (a key from "
            "starter.py users key create) or the Slack button, not a bare name"
        )
    key = next((k for k in signing.keys if k.key_id == req.key_id), None)
    if key is None:
        return f"key {req.key_id} is not a key of an approver of this advertiser"
    if key.service is None and key.user_id != req.approver:
        return f"key {req.key_id} belongs to {key.user_id}, not to {req.approver}"
    if key.service is not None and req.via != key.service:
        return f"the {key.service} key only signs approvals made through {key.service}"
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.public_key))
        public.verify(bytes.fromhex(req.signature), message(workflow_id, decision, req))
    except (InvalidSignature, ValueError):
        return "the signature does not match this decision (forged or altered)"
    signed_at = req.signed_at if req.signed_at.tzinfo else req.signed_at.replace(tzinfo=now.tzinfo)
    if signed_at < now - MAX_AGE:
        return f"the approval was signed at {signed_at:%H:%M:%S} UTC and has expired (10 minutes)"
    if signed_at > now + MAX_SKEW:
        return "the approval is signed in the future: check the signer's clock"
    if req.nonce in used_nonces:
        return "this signed approval was used before (replayed)"
    return None
