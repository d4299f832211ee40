"""One source row as one Events API event: consent, time window, identifiers hashed.

E-mail trimmed and lower-cased (the Events API's rule: no ``+tag`` or dot removal), phone
in E.164, ``external_id`` trimmed; each SHA-256 hex unless it already is a digest. ``ip``
and ``user_agent`` are sent as they are (TikTok needs them plain). A row is refused with a
short reason; consent is read from a yes/no column (true, yes, y, 1, granted, opt_in).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from audiences.identifiers import Invalid, digest, hashed, is_digest

YES = {"true", "yes", "y", "1", "granted", "opt_in", "optin", "consented"}
NO = {"false", "no", "n", "0", "denied", "opt_out", "optout", "withdrawn", ""}
Row = dict[str, str | None]


def consented(value: str | None) -> bool | None:
    """True / False from a consent cell; None when it cannot be read (the row is refused)."""
    text = (value or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def event_time(value: str | None) -> int | Invalid:
    """Unix seconds from seconds, milliseconds or ISO 8601 (naive = UTC)."""
    text = (value or "").strip()
    if not text:
        return Invalid("event_time_missing")
    if text.isdigit():
        number = int(text)
        return number // 1000 if number > 10**11 else number
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return Invalid("event_time_format")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _email(value: str) -> str | Invalid:
    text = value.strip().lower()
    if is_digest(text, "sha256"):
        return text
    if "@" not in text or text.startswith("@") or "." not in text.rpartition("@")[2]:
        return Invalid("email_format")
    return hashed(text, "first", "sha256")


def _external_id(value: str) -> str:
    text = value.strip()
    return text.lower() if is_digest(text, "sha256") else digest(text, "sha256")


def _number(value: str | None, reason: str) -> float | Invalid | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        return Invalid(reason)
    return number if number >= 0 else Invalid(reason)


def to_event(row: Row, name: str | None, now: int, max_age_days: int) -> dict[str, Any] | Invalid:
    """The Events API event for ``row``, or why it cannot be sent."""
    event = (row.get("event") or name or "").strip()
    if not event or len(event) > 50:
        return Invalid("event_missing")
    moment = event_time(row.get("event_time"))
    if isinstance(moment, Invalid):
        return moment
    if moment < now - max_age_days * 86400:
        return Invalid("event_too_old")
    if moment > now + 300:
        return Invalid("event_in_future")
    user: dict[str, Any] = {}
    for column, convert in (
        ("email", _email),
        ("phone", lambda v: hashed(v, "phone", "sha256")),
        ("external_id", _external_id),
    ):
        cell = row.get(column)
        if cell:
            result = convert(cell)
            if isinstance(result, Invalid):
                return result
            user[column] = [result]
    for column in ("ip", "user_agent", "ttclid", "ttp"):
        if row.get(column):
            user[column] = str(row[column]).strip()
    properties: dict[str, Any] = {}
    value = _number(row.get("value"), "value_format")
    if isinstance(value, Invalid):
        return value
    if value is not None:
        properties["value"] = value
        properties["currency"] = (row.get("currency") or "USD").strip().upper()
    if row.get("content_id"):
        content: dict[str, Any] = {"content_id": str(row["content_id"]).strip()}
        for column in ("content_type", "content_name"):
            if row.get(column):
                content[column] = str(row[column]).strip()
        for column in ("quantity", "price"):
            number = _number(row.get(column), f"{column}_format")
            if isinstance(number, Invalid):
                return number
            if number is not None:
                content[column] = int(number) if column == "quantity" else number
        properties["contents"] = [content]
    out: dict[str, Any] = {"event": event, "event_time": moment, "user": user}
    if row.get("event_id"):
        out["event_id"] = str(row["event_id"]).strip()
    if properties:
        out["properties"] = properties
    if row.get("url"):
        referrer = {"referrer": row["referrer"]} if row.get("referrer") else {}
        out["page"] = {"url": str(row["url"]).strip(), **referrer}
    return out
