"""The receiver's parser and signature check, property-tested: any input either parses or is
refused with ``BadEvent``/``SignatureError``, never another exception; what parses keeps its
id, type and data; a signature holds for exactly the bytes it was made over."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from webhooks.events import KNOWN_TYPES, BadEvent, parse
from webhooks.signature import SignatureError, verify

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
KEYS = ("event_type", "event_id", "timestamp", "data", "entry", "request_id", "object", "time", "event",
        "client_key", "create_time", "content")  # fmt: skip
bodies = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_values, max_size=6)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_are_refused_with_a_reason(raw: bytes) -> None:
    try:
        parse(raw)
    except BadEvent as exc:
        assert str(exc)


@settings(max_examples=400, deadline=None)
@given(bodies)
def test_any_json_object_parses_or_names_what_is_wrong(body: dict[str, Any]) -> None:
    try:
        events = parse(json.dumps(body).encode())
    except BadEvent as exc:
        assert ":" in str(exc)  # "field: reason"
    else:
        assert events and all(e.event_id and e.event_type for e in events)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(KNOWN_TYPES),
    st.text(min_size=1, max_size=128),
    st.integers(min_value=0, max_value=2**40),
    st.dictionaries(st.text(max_size=10), json_values, max_size=5),
)
def test_spec_events_keep_their_id_type_and_data(kind: str, event_id: str, stamp: int, data: dict) -> None:
    body = {"event_type": kind, "event_id": event_id, "timestamp": stamp, "data": data}
    (event,) = parse(json.dumps(body).encode())
    assert (event.event_type, event.event_id, event.timestamp, event.data) == (kind, event_id, stamp, data)


def test_subscription_entries_become_one_event_each() -> None:
    body = {
        "request_id": "r1",
        "object": 3,
        "time": 1767225600,
        "entry": [
            {"log_id": "a", "adv_id": 7, "ad_id": 19, "reject_reason": "Landing page is unavailable"},
            {"adv_id": 7, "ad_id": 20},
        ],
    }
    rejected, approved = parse(json.dumps(body).encode())
    assert rejected.event_id == "r1:a" and rejected.data["review_status"] == "REJECTED"
    assert rejected.advertiser_id == "7" and rejected.ad_id == "19"
    assert approved.event_id == "r1:1" and approved.data["review_status"] == "APPROVED"


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=200), st.integers(min_value=0, max_value=199), st.integers(1, 255))
def test_a_signature_holds_for_exactly_its_bytes(body: bytes, at: int, flip: int) -> None:
    secret, stamp = "s3cret", 1767225600
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    headers = {"tiktok-signature": f"t={stamp},s={mac}"}
    assert verify(headers, body, ["old", secret]).timestamp == stamp  # rotation: any listed secret
    changed = bytearray(body)
    changed[at % len(body)] ^= flip
    for wrong_body, secrets in ((bytes(changed), [secret]), (body, ["other"])):
        try:
            verify(headers, wrong_body, secrets)
        except SignatureError:
            continue
        raise AssertionError("a changed body or secret verified")
