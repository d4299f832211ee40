"""The service's one error tree. Every failure a workflow, an activity or the CLI reports
is one of these classes, and each *is* a Temporal ``ApplicationError`` whose ``type`` is
the class name, retryable or not by the class: translation to Temporal happens here, in
:class:`ServiceError`, and nowhere else.

::

    ServiceError (temporalio ApplicationError)
    ├── InvalidInput            bad workflow/activity input: names every field and reason
    │   └── TemplateNotFound    a launch names a template nobody saved
    ├── GuardrailViolation      a launch refused by guardrails (runs before the patch
    │                           ``refusal-completes``; newer ones complete "refused")
    ├── ApprovalRefused         an approve/reject update that cannot be accepted now
    ├── LaunchFailed            creation failed for good; what was created is compensated
    ├── CreativeRejected        an uploaded creative fails the pre-flight checks
    ├── AudienceRefused         an audience export refused before anything is sent
    ├── UnknownWorkflowType     a workflow started under a type this worker does not know
    ├── TokenNotFound           the advertiser was never connected
    ├── ConfigurationError      retryable: fix the setting and the next attempt succeeds
    │   ├── TokenKeyMissing
    │   ├── TokenDecryptError
    │   └── ChangeLogKeyMissing
    └── TikTokError             a TikTok call failed (classified once, in connector/errors.py)
        ├── RateLimited         retryable (40100 / 40016 / 40133 / HTTP 429)
        ├── Transient           retryable (5xx, timeouts, resets, 50000, 51xxx, ...)
        │   └── CircuitOpen     the advertiser's circuit is open; nothing was sent
        ├── AuthExpired         retryable once after a refresh (40102/40104/40105/40106)
        ├── AuthorizationFailed re-authorise (40101/40103/40107/40110, revoked token)
        ├── InvalidRequest      a parameter TikTok refuses (40000/40002/...)
        ├── PermissionDenied    the token may not do this (40001, scopes, allowlists)
        ├── NotFound            the object or advertiser does not exist
        ├── ReviewRejected      TikTok's review refused the object
        └── UnknownApiError     a code this client does not know

Code that receives a failure (a workflow catching ``ActivityError``, a client catching
``WorkflowFailureError``) matches it by class with :meth:`ServiceError.matches` or
:meth:`ServiceError.find`, never by a string typed in place.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio.exceptions import ApplicationError

E = TypeVar("E", bound="ServiceError")


class ServiceError(ApplicationError):
    """Base of every failure of this service. ``retryable`` decides Temporal's retries."""

    retryable: bool = False
    _by_name: dict[str, type[ServiceError]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ServiceError._by_name[cls.__name__] = cls

    def __init__(self, message: str, *details: Any) -> None:
        super().__init__(message, *details, type=type(self).__name__, non_retryable=not self.retryable)

    @classmethod
    def find(cls: type[E], failure: BaseException | None) -> ApplicationError | None:
        """The ``ApplicationError`` of this class (or a subclass) in ``failure``'s cause
        chain (``WorkflowFailureError`` -> ``ActivityError`` -> ``ApplicationError``), if any."""
        seen = 0
        while failure is not None and seen < 10:
            if isinstance(failure, ApplicationError):
                found = ServiceError._by_name.get(failure.type or "")
                if found is not None and issubclass(found, cls):
                    return failure
            failure = getattr(failure, "cause", None) or failure.__cause__
            seen += 1
        return None

    @classmethod
    def matches(cls, failure: BaseException | None) -> bool:
        """True when ``failure`` is, or was caused by, this kind of error."""
        return cls.find(failure) is not None


ServiceError._by_name["ServiceError"] = ServiceError


class InvalidInput(ServiceError):
    """An input that cannot be used; the message names every field and reason."""


class TemplateNotFound(InvalidInput):
    """A launch names a template that was never saved."""


class GuardrailViolation(ServiceError):
    """Guardrails refused a launch (details: the violations)."""


class ApprovalRefused(ServiceError):
    """An approval or rejection that cannot be accepted now, with the reason."""


class LaunchFailed(ServiceError):
    """Creating a launch failed for good; what was created has been paused or deleted."""


class CreativeRejected(ServiceError):
    """An uploaded creative fails the pre-flight (format, duration, size)."""


class AudienceRefused(ServiceError):
    """An audience export refused before anything is sent: a limit, the targeting minimum,
    an invalid row (without ``skip_invalid_record``) or a source that does not fit the job."""


class UnknownWorkflowType(ServiceError):
    """A workflow type this service does not have; the message lists those it has."""


class TokenNotFound(ServiceError):
    """No token is stored for this advertiser: it was never connected."""


class ConfigurationError(ServiceError):
    """A setting is missing or wrong; retried, so fixing the configuration heals the run."""

    retryable = True


class TokenKeyMissing(ConfigurationError):
    """No usable token encryption key is configured."""


class TokenDecryptError(ConfigurationError):
    """A stored token cannot be decrypted with the configured key."""


class ChangeLogKeyMissing(ConfigurationError):
    """No key for the change log's keyed hash chain is configured."""


class TikTokError(ServiceError):
    """A TikTok call failed. Carries TikTok's code, message and request id."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
        endpoint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.tiktok_message = message
        self.code = code
        self.request_id = request_id
        self.http_status = http_status
        self.endpoint = endpoint
        self.retry_after = retry_after
        self.sent = True  # False when the request provably never reached TikTok
        parts = [message]
        if code is not None:
            parts.append(f"code={code}")
        if endpoint:
            parts.append(f"endpoint={endpoint}")
        if request_id:
            parts.append(f"request_id={request_id}")
        super().__init__(" ".join(parts), {"code": code, "request_id": request_id, "endpoint": endpoint})

    @property
    def next_retry_delay(self) -> timedelta | None:
        """Temporal waits at least what TikTok (or the throttle) asked before the next attempt."""
        return timedelta(seconds=self.retry_after) if self.retry_after else None


class RateLimited(TikTokError):
    """40100 / 40016 / 40133 or HTTP 429: too many requests; back off."""

    retryable = True


class Transient(TikTokError):
    """5xx, 50000/50002, 51xxx, 60001, 40202, timeouts and connection resets."""

    retryable = True


class CircuitOpen(Transient):
    """Calls for this advertiser are paused after repeated failures; retry after the cool-down."""


class AuthExpired(TikTokError):
    """40102/40104/40105/40106: the access token is missing, invalid or expired; refresh then retry."""

    retryable = True


class InvalidRequest(TikTokError):
    """40000/40002/40011/40067 and other parameter errors: fix the request, do not retry."""


class PermissionDenied(TikTokError):
    """40001 and the app/scope/allowlist codes: the token may not do this."""


class NotFound(TikTokError):
    """40051/40007/40300: the object or advertiser does not exist."""


class ReviewRejected(TikTokError):
    """TikTok's review refused the object."""


class AuthorizationFailed(TikTokError):
    """40101/40103/40107/40110: app credentials, auth code or refresh token are not valid."""


class UnknownApiError(TikTokError):
    """A code this client does not know: not retried, reported with TikTok's message."""
