"""Errors raised by the router and the backends.

The family::

    MessageSendingError          a message could not be sent to some identities
    ├── GatewayHTTPError         the gateway answered an error status; also requests.HTTPError
    ├── GatewayConnectionError   the gateway could not be reached, or the answer never came;
    │                            also requests.ConnectionError
    ├── NoRouterError            kept for RapidSMS 2.x compatibility
    └── NoConnectionError        kept for RapidSMS 2.x compatibility

    ImproperlyConfigured (Django)
    ├── BackendConfigurationError   an ENGINE cannot be loaded; also a ValueError
    └── BackendOptionsError         options that do not fit configure(); also a TypeError

    InboundError                 an inbound view refuses a gateway's request (a JSON answer)
    ├── BadRequest               400: the body or a field is malformed or missing
    ├── Forbidden                403: no proof the request comes from the gateway
    ├── NotFound                 404: no backend of that name is configured
    ├── PayloadTooLarge          413: the body is larger than allowed
    ├── ServerError              500: a fault of ours; the gateway sends again later
    └── Unavailable              503: a service is down; answered with Retry-After

A ``MessageSendingError`` says, from the moment it is made, what a router
needs to decide what to do next: ``failed_identities``, ``backend``,
``retryable`` (True: the same send may succeed later; False: it never will;
None: nobody can tell), ``retry_after`` (seconds, from
:func:`parse_retry_after`), ``response`` (the gateway's answer, if any) and
``results`` (one :mod:`~rapidsms.backends.results` result per identity, when
the backend reported them). Failures of several requests or backends become
one error with :func:`combine_failures`, whose ``errors`` lists them.

Configuration mistakes are Django's ``ImproperlyConfigured``, never a
``MessageSendingError``, so that an ``except MessageSendingError`` can never
swallow them. Each is also the built-in error RapidSMS 2.x raised in its
place, so 2.x code (and 2.x add-ons' tests) that catch that one still do.

An ``InboundError`` carries the HTTP status its answer gets and the field it
is about; an inbound view turns it into ``{"error": ..., "field": ...}``. A
gateway's parsing hook raises one for input it can show is bad; anything
else it raises is a fault of ours (500, or 503 when a service is down), so
the gateway sends the request again. ``rapidsms.backends.inbound.views``
exports these classes too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse


class BackendConfigurationError(ImproperlyConfigured, ValueError):
    """Raise when a backend's ``ENGINE`` cannot be imported or is not a backend.

    A ``ValueError`` too: RapidSMS 2.x's router raised one.
    """


class BackendOptionsError(ImproperlyConfigured, TypeError):
    """Raise when a backend's options do not fit its ``configure()``.

    An option it does not declare, or one it requires and did not get. A
    ``TypeError`` too: RapidSMS 2.x called ``configure(**options)``, which
    raised one for a missing required option, and 2.x add-ons test for it.
    """


class MessageSendingError(Exception):
    """Raise when a message could not be sent to some or all identities.

    ``failed_identities`` lists the identities that did not get the message;
    an empty list means the backend could not tell which ones failed.
    ``backend`` names the backend involved, and ``retryable`` says whether the
    same send may succeed later (a gateway outage) or never will (a refused
    number); ``None`` means unknown. ``retry_after`` is the wait the gateway
    asked for, in seconds (any ``Retry-After`` value is read when the error
    is made). ``response`` is the gateway's answer, ``results`` the result of
    every identity (see :mod:`rapidsms.backends.results`) when the backend
    reported them, and ``errors`` the failures this one combines.

    The first two arguments are RapidSMS 2.x's; the rest are keywords.
    """

    default_message = "An error occurred during sending."

    def __init__(
        self,
        message: str | None = None,
        failed_identities: Iterable[str] | None = None,
        *,
        backend: str | None = None,
        retryable: bool | None = None,
        retry_after: Any = None,
        response: Any = None,
        results: Mapping[str, Any] | None = None,
        errors: Iterable[MessageSendingError] = (),
    ) -> None:
        self.message = message or self.default_message
        self.failed_identities = list(failed_identities or [])
        self.backend = backend
        self.retryable = retryable
        self.retry_after = parse_retry_after(retry_after)
        self.results = dict(results or {})
        self.errors = list(errors)
        super().__init__(self.message)
        # After super(): requests' errors reset ``response`` in their __init__.
        self.response = response

    def __str__(self) -> str:
        parts = [self.message.rstrip(". ")]
        if self.backend and self.backend not in self.message:
            parts.append(f"backend: {self.backend}")
        if self.failed_identities:
            parts.append(f"failed identities: {', '.join(map(str, self.failed_identities))}")
        return "; ".join(parts) + "."

    def __reduce__(self) -> Any:
        # Keep the fields when the error crosses a process boundary (Celery's pickle).
        return _rebuild, (type(self), self.message, dict(self.__dict__))


class GatewayHTTPError(MessageSendingError, requests.HTTPError):
    """The gateway answered with an error status; ``status_code`` is it.

    Also a ``requests.HTTPError``, so code that catches what
    ``response.raise_for_status()`` raises catches it too. 429 and 5xx are
    retryable, other statuses not, unless the gateway's own code says more.
    """

    def __init__(self, message: str | None = None,
                 failed_identities: Iterable[str] | None = None, *,
                 status_code: int | None = None, **fields: Any) -> None:
        super().__init__(message, failed_identities, **fields)
        response = fields.get("response")
        self.status_code = status_code if status_code is not None else getattr(
            response, "status_code", None)
        self.request = getattr(response, "request", None)


class GatewayConnectionError(MessageSendingError, requests.ConnectionError):
    """The gateway could not be reached, or its answer never came.

    Also a ``requests.ConnectionError``. ``retryable`` is True when the
    request cannot have reached the gateway, False when it may have (a
    timeout after sending: trying again could deliver twice).
    """


def _rebuild(cls: type[MessageSendingError], message: str,
             fields: dict[str, Any]) -> MessageSendingError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(fields)
    return error


def parse_retry_after(value: Any, now: datetime | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` value asks for, or None if it says nothing usable.

    Accepts a number of seconds (int, float or digits), an HTTP date, a
    ``datetime`` or a ``timedelta``; a time in the past gives 0.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    now = now or datetime.now(UTC)
    if isinstance(value, timedelta):
        return max(0.0, value.total_seconds())
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    if isinstance(value, int | float):
        return max(0.0, float(value)) if value == value else None  # NaN says nothing
    text = str(value).strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def combine_retryable(flags: Iterable[bool | None]) -> bool | None:
    """Return whether failures with these ``retryable`` flags, taken together, may succeed later.

    False when any is permanent (retrying cannot help that part); None when
    any is unknown and none is permanent; True only when every one is
    retryable. No flags at all give None.
    """
    flags = list(flags)
    if not flags:
        return None
    if any(flag is False for flag in flags):
        return False
    if any(flag is None for flag in flags):
        return None
    return True


def combine_failures(
    failures: Iterable[MessageSendingError], message: str | None = None,
    *, backend: str | None = None,
) -> MessageSendingError:
    """Return one ``MessageSendingError`` for several failed requests or backends.

    A single failure is returned as it is. Otherwise the new error lists
    every failed identity, combines ``retryable`` with
    :func:`combine_retryable`, takes the longest ``retry_after``, merges
    the per-identity ``results``, and keeps the failures in ``errors``.
    """
    failures = list(failures)
    if len(failures) == 1:
        return failures[0]
    failed: list[str] = []
    results: dict[str, Any] = {}
    for failure in failures:
        failed.extend(failure.failed_identities)
        results.update(failure.results)
    waits = [f.retry_after for f in failures if f.retry_after is not None]
    backends = {f.backend for f in failures}
    return MessageSendingError(
        message or f"{len(failures)} sends failed: "
        + "; ".join(str(failure) for failure in failures),
        failed_identities=failed,
        backend=backend or (backends.pop() if len(backends) == 1 else None),
        retryable=combine_retryable(f.retryable for f in failures),
        retry_after=max(waits) if waits else None,
        results=results,
        errors=failures,
    )


class NoRouterError(MessageSendingError):
    """Kept for RapidSMS 2.x compatibility; the router never raises it."""


class NoConnectionError(MessageSendingError):
    """Kept for RapidSMS 2.x compatibility; the router never raises it."""


class InboundError(Exception):
    """A gateway's request refused with a JSON error; raise a subclass from a parsing hook.

    ``field`` names the field at fault, if one is.
    """

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_response(self) -> JsonResponse:
        """Return the JSON answer the gateway gets."""
        body = {"error": self.message}
        if self.field:
            body["field"] = self.field
        return JsonResponse(body, status=self.status_code)


class BadRequest(InboundError):
    """The body is malformed or a field is missing or invalid (400)."""


class Forbidden(InboundError):
    """The request did not prove it comes from the gateway (403)."""

    status_code = 403


class NotFound(InboundError):
    """No backend of that name is configured (404)."""

    status_code = 404


class PayloadTooLarge(InboundError):
    """The body is larger than the view accepts (413)."""

    status_code = 413


class ServerError(InboundError):
    """A fault of ours, not of the request: logged with its traceback (500).

    The gateway sends the request again later; nothing it sent is lost.
    """

    status_code = 500


class Unavailable(InboundError):
    """We could not handle a valid request now; the gateway should retry (503).

    The answer carries ``Retry-After`` so that a gateway that honours it
    waits rather than hammering a service that is down.
    """

    status_code = 503
    #: Seconds the gateway is asked to wait before it sends again.
    retry_after = 30

    def as_response(self) -> JsonResponse:
        """Return the JSON answer with ``Retry-After``."""
        response = super().as_response()
        response["Retry-After"] = str(self.retry_after)
        return response
