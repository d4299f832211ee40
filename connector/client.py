"""Transport: one ``httpx.AsyncClient``, the envelope, and error classification.

Every TikTok call of the service goes through :class:`TikTokClient`. GET parameters that
are lists or objects are JSON-encoded, as TikTok documents; POST bodies are JSON; the
``Access-Token`` header authenticates. A non-zero ``code`` raises the classified error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from connector.errors import TikTokError, Transient, classify_code, classify_http_status
from models.tiktok import Envelope

log = logging.getLogger("connector")

IDEMPOTENCY_HEADER = "X-Idempotency-Key"


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


class TikTokClient:
    """A thin async client for one base URL and API version; share one per process."""

    def __init__(
        self,
        base_url: str,
        *,
        api_version: str = "v1.3",
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self._http = httpx.AsyncClient(
            base_url=f"{self.base_url}/open_api/{api_version}/",
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            transport=transport,
            headers={"User-Agent": "tiktok-ads-temporal/0.1"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> TikTokClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(self, path: str, *, token: str | None, params: Mapping[str, Any]) -> Any:
        """GET ``path`` (relative, ending in ``/``) and return the envelope's ``data``."""
        return await self._call("GET", path, token=token, params=encode_params(params))

    async def post(
        self,
        path: str,
        *,
        token: str | None,
        body: Mapping[str, Any],
        idempotency_key: str | None = None,
    ) -> Any:
        """POST a JSON body; ``idempotency_key`` is sent as a header (TikTok may ignore it)."""
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        return await self._call("POST", path, token=token, json_body=dict(body), headers=headers)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        all_headers = dict(headers or {})
        if token:
            all_headers["Access-Token"] = token
        try:
            response = await self._http.request(
                method, path, params=params, json=json_body, headers=all_headers
            )
        except httpx.TimeoutException as exc:
            raise Transient(f"timeout calling TikTok: {exc!r}", endpoint=path) from exc
        except httpx.TransportError as exc:
            raise Transient(f"connection error calling TikTok: {exc!r}", endpoint=path) from exc
        return parse_response(response, path)


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
    err: TikTokError = cls(
        envelope.message or "TikTok error",
        code=envelope.code,
        request_id=envelope.request_id,
        http_status=response.status_code,
        endpoint=endpoint,
        retry_after=retry_after,
    )
    log.warning("tiktok error %s", err)
    raise err


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
