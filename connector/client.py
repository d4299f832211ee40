"""The one TikTok client: transport, throttle, retries, circuit breaker, token refresh.

Every TikTok call of the service goes through :class:`TikTokClient`, shared by every
activity in a worker process. A call (1) fails fast if the advertiser's circuit is open,
(2) waits in the proactive throttle, (3) sends with httpx, (4) parses the envelope and
classifies any error once (``connector.errors``), and (5) retries with tenacity only
what is safe and short: rate limits (TikTok refused without processing), connection
failures before sending, and transient failures of reads. A transient failure of a
write is *ambiguous* (it may have been applied), so it is raised to the caller, whose
create-or-get decides. Waits longer than ``max_inline_wait`` are handed to Temporal's
retry policy through ``retry_after``. An expired token is refreshed once and the call
retried. See docs/connector.md.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

from connector.breaker import CircuitBreaker
from connector.errors import (
    AuthExpired,
    AuthorizationFailed,
    RateLimited,
    TikTokError,
    Transient,
    classify_code,
    classify_http_status,
)
from connector.heartbeat import beat, sleep_with_heartbeat
from connector.limits import RateLimits, family_of
from connector.telemetry import ConnectorMetrics, tracer
from connector.throttle import Throttle
from models.tiktok import Envelope

log = logging.getLogger("connector")

IDEMPOTENCY_HEADER = "X-Idempotency-Key"


class TokenSource(Protocol):
    """Where the client gets an advertiser's access token, and a fresh one after a 40104/40105."""

    async def access_token(self, advertiser_id: str) -> str: ...

    async def refresh_after_rejection(self, advertiser_id: str, rejected_token: str) -> str: ...


@dataclass(frozen=True)
class Multipart:
    """A multipart/form-data body: text fields and ``{field: (filename, bytes, content type)}``."""

    fields: dict[str, str]
    files: dict[str, tuple[str, bytes, str]]


@dataclass(frozen=True)
class RetrySettings:
    """1 s doubling to 64 s with full jitter (the spec); only short waits happen in-process."""

    initial: float = 1.0
    maximum: float = 64.0
    max_inline_wait: float = 8.0
    max_attempts: int = 5


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
    """Shared per process. ``tokens`` resolves tokens by advertiser id when no token is passed."""

    def __init__(
        self,
        base_url: str,
        *,
        api_version: str = "v1.3",
        timeout: float = 30.0,
        family_timeouts: Mapping[str, float] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        app_id: str = "default",
        limits: RateLimits | None = None,
        processes: int = 1,
        retry: RetrySettings | None = None,
        breaker: CircuitBreaker | None = None,
        tokens: TokenSource | None = None,
        metrics: ConnectorMetrics | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.app_id = app_id
        self.limits = limits
        self.processes = processes
        self.retry = retry or RetrySettings()
        self.breaker = breaker or CircuitBreaker()
        self.tokens = tokens
        self.metrics = metrics or ConnectorMetrics()
        self.throttle = throttle or Throttle(sleep=sleep_with_heartbeat)
        self.family_timeouts = dict(family_timeouts or {})
        self._http = httpx.AsyncClient(
            base_url=f"{self.base_url}/open_api/",
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            transport=transport,
            http2=transport is None,
            headers={"User-Agent": "tiktok-ads-temporal/0.1"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> TikTokClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any],
        advertiser_id: str | None = None,
        token: str | None = None,
        version: str | None = None,
    ) -> Any:
        """GET ``path`` (relative, ending in ``/``) and return the envelope's ``data``."""
        advertiser_id = advertiser_id or _advertiser_in(params)
        return await self._call("GET", path, advertiser_id, token, version, params=encode_params(params))

    async def post(
        self,
        path: str,
        *,
        body: Mapping[str, Any],
        advertiser_id: str | None = None,
        token: str | None = None,
        idempotency_key: str | None = None,
        version: str | None = None,
    ) -> Any:
        """POST a JSON body; ``idempotency_key`` is sent as a header (TikTok may ignore it)."""
        advertiser_id = advertiser_id or _advertiser_in(body)
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        return await self._call(
            "POST", path, advertiser_id, token, version, json_body=dict(body), headers=headers
        )

    async def post_form(
        self,
        path: str,
        *,
        fields: Mapping[str, Any],
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        advertiser_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """POST multipart/form-data (file uploads); same path as :meth:`post` otherwise."""
        advertiser_id = advertiser_id or _advertiser_in(fields)
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        form = Multipart({k: str(v) for k, v in fields.items() if v is not None}, dict(files or {}))
        return await self._call("POST", path, advertiser_id, None, None, json_body=form, headers=headers)

    async def download(self, url: str) -> bytes:
        """Fetch a file TikTok points to (a report's ``download_url``); transport errors are Transient."""
        try:
            response = await self._http.get(
                url, timeout=self.family_timeouts.get("report", httpx.USE_CLIENT_DEFAULT)
            )
        except httpx.TransportError as exc:
            raise Transient(f"download failed: {type(exc).__name__}", endpoint=url) from exc
        if response.status_code != 200:
            raise classify_http_status(response.status_code)(f"download answered HTTP {response.status_code}")
        return response.content

    async def _call(
        self,
        method: str,
        path: str,
        advertiser_id: str | None,
        token: str | None,
        version: str | None,
        *,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | Multipart | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        family = family_of(path)
        explicit_token = token is not None
        current: list[str | None] = [token]
        refreshed = [False]
        attempts = [0]
        url = f"{version or self.api_version}/{path}"

        async def attempt() -> Any:
            tok = current[0]
            if tok is None and advertiser_id and self.tokens is not None:
                tok = current[0] = await self.tokens.access_token(advertiser_id)
            send = (method, url, path, family, advertiser_id, attempts)
            try:
                return await self._send(*send, tok, params, json_body, headers)
            except AuthExpired:
                if explicit_token or refreshed[0] or self.tokens is None or not advertiser_id or not tok:
                    raise
                refreshed[0] = True
                self.metrics.refreshed()
                current[0] = await self.tokens.refresh_after_rejection(advertiser_id, tok)
                try:
                    return await self._send(*send, current[0], params, json_body, headers)
                except AuthExpired as again:
                    raise AuthorizationFailed(
                        f"token for advertiser {advertiser_id} rejected again after a refresh: "
                        f"re-authorise the advertiser ({again.message})",
                        code=again.code,
                        request_id=again.request_id,
                        endpoint=path,
                    ) from again

        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda exc: _safe_to_retry(exc, method)),
            wait=self._wait,
            stop=self._stop,
            sleep=sleep_with_heartbeat,
            reraise=True,
            before_sleep=lambda _rs: self.metrics.retry(family),
        )
        async for try_ in retrying:
            with try_:
                return await attempt()
        raise AssertionError("unreachable: tenacity re-raises")  # pragma: no cover

    def _wait(self, rs: RetryCallState) -> float:
        exc = rs.outcome.exception() if rs.outcome else None
        if isinstance(exc, TikTokError) and exc.retry_after:
            return float(exc.retry_after)
        backoff = wait_random_exponential(multiplier=self.retry.initial, max=self.retry.maximum)
        return float(backoff(rs))

    def _stop(self, rs: RetryCallState) -> bool:
        """Stop at the attempt cap, or when the next wait is long: Temporal then carries it."""
        exc = rs.outcome.exception() if rs.outcome else None
        too_long = rs.upcoming_sleep > self.retry.max_inline_wait
        if isinstance(exc, TikTokError) and (too_long or rs.attempt_number >= self.retry.max_attempts):
            exc.retry_after = max(exc.retry_after or 0.0, rs.upcoming_sleep)
        return too_long or rs.attempt_number >= self.retry.max_attempts

    async def _send(
        self,
        method: str,
        url: str,
        path: str,
        family: str,
        advertiser_id: str | None,
        attempts: list[int],
        token: str | None,
        params: dict[str, str] | None,
        json_body: dict[str, Any] | Multipart | None,
        headers: dict[str, str] | None,
    ) -> Any:
        attempts[0] += 1
        exchange = (method, url, path, family, advertiser_id, attempts[0], token, params, json_body, headers)
        if not advertiser_id:
            return await self._throttled(*exchange)
        self.breaker.before_call(advertiser_id)
        try:
            data = await self._throttled(*exchange)
        except Transient:
            self.breaker.record_failure(advertiser_id)
            raise
        except TikTokError:
            self.breaker.record_answer(advertiser_id)
            raise
        except BaseException:
            self.breaker.record_abandoned(advertiser_id)
            raise
        self.breaker.record_success(advertiser_id)
        return data

    async def _throttled(
        self,
        method: str,
        url: str,
        path: str,
        family: str,
        advertiser_id: str | None,
        attempt: int,
        token: str | None,
        params: dict[str, str] | None,
        json_body: dict[str, Any] | Multipart | None,
        headers: dict[str, str] | None,
    ) -> Any:
        """Wait for room in the throttle's windows, exchange, and stamp the answer's time."""
        ticket = None
        if self.limits is not None:
            scopes = self.limits.scopes(self.app_id, advertiser_id, family, processes=self.processes)
            ticket = await self.throttle.acquire(scopes)
            self.metrics.throttled(family, ticket.waited)
            if advertiser_id and scopes:
                key, windows = scopes[-1]
                self.metrics.usage(family, advertiser_id, max(self.throttle.usage(key, w) for w in windows))
        try:
            return await self._exchange(
                method, url, path, family, advertiser_id, attempt, token, params, json_body, headers
            )
        finally:
            if ticket is not None:
                self.throttle.done(ticket)

    async def _exchange(
        self,
        method: str,
        url: str,
        path: str,
        family: str,
        advertiser_id: str | None,
        attempt: int,
        token: str | None,
        params: dict[str, str] | None,
        json_body: dict[str, Any] | Multipart | None,
        headers: dict[str, str] | None,
    ) -> Any:
        """One HTTP exchange in its own span: send, parse, classify."""
        beat(f"{path} attempt {attempt}")
        all_headers = dict(headers or {})
        if token:
            all_headers["Access-Token"] = token
        timeout = self.family_timeouts.get(family)
        with tracer.start_as_current_span(f"tiktok {method} {path}") as span:
            span.set_attribute("tiktok.family", family)
            span.set_attribute("tiktok.advertiser_id", advertiser_id or "")
            span.set_attribute("tiktok.attempt", attempt)
            started = time.perf_counter()
            try:
                body: dict[str, Any] = (
                    {"data": json_body.fields, "files": json_body.files}
                    if isinstance(json_body, Multipart)
                    else {"json": json_body}
                )
                response = await self._http.request(
                    method,
                    url,
                    params=params,
                    headers=all_headers,
                    timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    **body,
                )
                data = parse_response(response, path)
            except httpx.TimeoutException as exc:
                err: TikTokError = Transient(f"timeout calling TikTok: {type(exc).__name__}", endpoint=path)
                err.sent = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
                self._failed(span, family, advertiser_id, err)
                raise err from exc
            except httpx.TransportError as exc:
                err = Transient(f"connection error calling TikTok: {type(exc).__name__}", endpoint=path)
                err.sent = not isinstance(exc, httpx.ConnectError)
                self._failed(span, family, advertiser_id, err)
                raise err from exc
            except TikTokError as exc:
                self._failed(span, family, advertiser_id, exc)
                raise
            finally:
                self.metrics.call(family, time.perf_counter() - started)
            span.set_attribute("tiktok.code", 0)
            return data

    def _failed(self, span: Any, family: str, advertiser_id: str | None, err: TikTokError) -> None:
        span.set_attribute("tiktok.code", err.code or 0)
        span.set_attribute("tiktok.error_class", type(err).__name__)
        if err.request_id:
            span.set_attribute("tiktok.request_id", err.request_id)
        self.metrics.error(family, type(err).__name__)
        log.warning(
            "tiktok %s failed: %s (advertiser=%s class=%s)", family, err, advertiser_id, type(err).__name__
        )


def _safe_to_retry(exc: BaseException, method: str) -> bool:
    """Rate limits always (refused unprocessed); other transient failures of reads, or of
    writes that never left this process (an open circuit sends nothing: ``sent`` is False).
    Waits longer than ``max_inline_wait`` still go to Temporal (see ``_stop``)."""
    if isinstance(exc, RateLimited):
        return True
    if isinstance(exc, Transient):
        return method == "GET" or not getattr(exc, "sent", True)
    return False


def _advertiser_in(values: Mapping[str, Any]) -> str | None:
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
