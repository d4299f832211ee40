"""TikTok's wire envelope: query parameters as TikTok wants them, and answers parsed into
``data`` or the classified error (``{"code", "message", "request_id", "data"}``; the body
code decides, the HTTP status only when there is no envelope)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from connector.errors import Transient, classify_code, classify_http_status
from models.tiktok import Envelope


def encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters as TikTok wants them: lists and dicts as JSON strings, None dropped."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, dict)):
            out[key] = json.dumps(value, separators=(",", ":"))
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def advertiser_in(values: Mapping[str, Any]) -> str | None:
    value = values.get("advertiser_id")
    return str(value) if value is not None else None


def parse_response(response: httpx.Response, endpoint: str) -> Any:
    """The ``data`` of a successful envelope, or the classified :class:`TikTokError`."""
    envelope: Envelope | None = None
    try:
        envelope = Envelope.model_validate_json(response.content)
    except ValueError:
        envelope = None
    retry_after = _retry_after(response)
    if envelope is None:
        cls = classify_http_status(response.status_code) if response.status_code != 200 else Transient
        raise cls(
            f"HTTP {response.status_code} without a TikTok envelope",
            http_status=response.status_code,
            endpoint=endpoint,
            retry_after=retry_after,
        )
    if envelope.code == 0:
        if response.status_code >= 400:
            raise classify_http_status(response.status_code)(
                envelope.message or f"HTTP {response.status_code}",
                http_status=response.status_code,
                request_id=envelope.request_id,
                endpoint=endpoint,
            )
        return envelope.data
    cls = classify_code(envelope.code)
    raise cls(
        envelope.message or "TikTok error",
        code=envelope.code,
        request_id=envelope.request_id,
        http_status=response.status_code,
        endpoint=endpoint,
        retry_after=retry_after,
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
