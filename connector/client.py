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

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

from connector.breaker import CircuitBreaker
from connector.envelope import advertiser_in, encode_params, parse_response
from connector.errors import (
    AuthExpired,
    AuthorizationFailed,
    RateLimited,
    TikTokError,
    Transient,
    classify_http_status,
)
from connector.heartbeat import beat, sleep_with_heartbeat
from connector.limits import RateLimits, family_of
from connector.telemetry import ConnectorMetrics, tracer
from connector.throttle import Throttle

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


@dataclass
class _Request:
    """One logical call as it is sent, attempt after attempt; ``attempts`` counts the sends."""

    method: str
    url: str
    path: str
    family: str
    advertiser_id: str | None
    params: dict[str, str] | None
    body: dict[str, Any] | Multipart | None
    headers: dict[str, str] | None
    attempts: int = 0


@dataclass(frozen=True)
class RetrySettings:
    """1 s doubling to 64 s with full jitter (the spec); only short waits happen in-process."""

    initial: float = 1.0
    maximum: float = 64.0
    max_inline_wait: float = 8.0
    max_attempts: int = 5


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
        advertiser_id = advertiser_id or advertiser_in(params)
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
        advertiser_id = advertiser_id or advertiser_in(body)
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
        advertiser_id = advertiser_id or advertiser_in(fields)
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
        req = _Request(
            method, f"{version or self.api_version}/{path}", path, family_of(path), advertiser_id,
            params, json_body, headers,
        )  # fmt: skip
        explicit_token = token is not None
        current: list[str | None] = [token]
        refreshed = [False]

        async def attempt() -> Any:
            tok = current[0]
            if tok is None and advertiser_id and self.tokens is not None:
                tok = current[0] = await self.tokens.access_token(advertiser_id)
            try:
                return await self._send(req, tok)
            except AuthExpired:
                if explicit_token or refreshed[0] or self.tokens is None or not advertiser_id or not tok:
                    raise
                refreshed[0] = True
                try:
                    current[0] = await self.tokens.refresh_after_rejection(advertiser_id, tok)
                except Exception:
                    self.metrics.refreshed("failure")
                    raise
                self.metrics.refreshed("success")
                try:
                    return await self._send(req, current[0])
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
            before_sleep=lambda _rs: self.metrics.retry(req.family),
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

    async def _send(self, req: _Request, token: str | None) -> Any:
        """One attempt: the advertiser's circuit first, and whatever happens settles it."""
        req.attempts += 1
        adv = req.advertiser_id
        if not adv:
            return await self._throttled(req, token)
        self.breaker.before_call(adv)
        try:
            data = await self._throttled(req, token)
        except Transient:
            self.breaker.record_failure(adv)
            raise
        except TikTokError:
            self.breaker.record_answer(adv)
            raise
        except BaseException:
            self.breaker.record_abandoned(adv)
            raise
        self.breaker.record_success(adv)
        return data

    async def _throttled(self, req: _Request, token: str | None) -> Any:
        """Wait for room in the throttle's windows, exchange, and stamp the answer's time."""
        ticket = None
        if self.limits is not None:
            scopes = self.limits.scopes(self.app_id, req.advertiser_id, req.family, processes=self.processes)
            ticket = await self.throttle.acquire(scopes)
            self.metrics.throttled(req.family, ticket.waited)
            if req.advertiser_id and scopes:
                key, windows = scopes[-1]
                usage = max(self.throttle.usage(key, w) for w in windows)
                # the quota's use (a minute or longer): a full one-second window is a burst the
                # throttle is smoothing, not a quota running out
                quota = [self.throttle.usage(key, w) for w in windows if w.seconds >= 60]
                self.metrics.usage(req.family, req.advertiser_id, usage, max(quota, default=0.0))
        try:
            return await self._exchange(req, token)
        finally:
            if ticket is not None:
                self.throttle.done(ticket)

    async def _exchange(self, req: _Request, token: str | None) -> Any:
        """One HTTP exchange in its own span: send, parse, classify."""
        beat(f"{req.path} attempt {req.attempts}")
        headers = dict(req.headers or {})
        if token:
            headers["Access-Token"] = token
        timeout = self.family_timeouts.get(req.family)
        with tracer.start_as_current_span(f"tiktok {req.method} {req.path}") as span:
            span.set_attribute("tiktok.family", req.family)
            span.set_attribute("tiktok.advertiser_id", req.advertiser_id or "")
            span.set_attribute("tiktok.attempt", req.attempts)
            started = time.perf_counter()
            try:
                body = req.body
                content: dict[str, Any] = (
                    {"data": body.fields, "files": body.files}
                    if isinstance(body, Multipart)
                    else {"json": body}
                )
                response = await self._http.request(
                    req.method,
                    req.url,
                    params=req.params,
                    headers=headers,
                    timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    **content,
                )
                data = parse_response(response, req.path)
            except httpx.TimeoutException as exc:
                err: TikTokError = Transient(
                    f"timeout calling TikTok: {type(exc).__name__}", endpoint=req.path
                )
                err.sent = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
                self._failed(span, req, err)
                raise err from exc
            except httpx.TransportError as exc:
                err = Transient(f"connection error calling TikTok: {type(exc).__name__}", endpoint=req.path)
                err.sent = not isinstance(exc, httpx.ConnectError)
                self._failed(span, req, err)
                raise err from exc
            except TikTokError as exc:
                self._failed(span, req, exc)
                raise
            finally:
                self.metrics.call(req.family, time.perf_counter() - started)
            span.set_attribute("tiktok.code", 0)
            return data

    def _failed(self, span: Any, req: _Request, err: TikTokError) -> None:
        span.set_attribute("tiktok.code", err.code or 0)
        span.set_attribute("tiktok.error_class", type(err).__name__)
        if err.request_id:
            span.set_attribute("tiktok.request_id", err.request_id)
        self.metrics.error(req.family, type(err).__name__)
        log.warning(
            "tiktok %s failed: %s (advertiser=%s class=%s)",
            req.family,
            err,
            req.advertiser_id,
            type(err).__name__,
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
