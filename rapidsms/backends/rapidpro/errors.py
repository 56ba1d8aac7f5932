"""Errors raised by the RapidPro API client.

The family::

    RapidProError                        anything that went wrong talking to RapidPro
    ├── RapidProBadRequestError          400: invalid values; ``errors`` maps fields to messages
    ├── RapidProTokenError               403: invalid token, or not allowed
    ├── RapidProNoSuchObjectError        404: no such contact, subscriber, ...
    ├── RapidProRateExceededError        429: too many requests; wait ``retry_after`` seconds
    ├── RapidProHttpError                any other status >= 400 (401, 409, 5xx, ...)
    ├── RapidProResponseError            a success status with a body that is not the JSON expected
    └── RapidProConnectionError          the server could not be reached, or did not answer
        └── RapidProOutcomeUnknownError  a write was sent but no answer came: it may have happened

Only :class:`RapidProOutcomeUnknownError` means "RapidPro may have acted on it";
every other error of a write request means it did not (a 400, 403, 404 or 429
is answered before anything is created), except a 5xx, about which the API
promises nothing.
"""

from __future__ import annotations

from typing import Any


class RapidProError(Exception):
    """Base class of every error of the RapidPro client.

    ``method`` and ``url`` name the request (the URL never carries the token),
    ``status_code`` is the HTTP status when there was an answer.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status_code = status_code

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{self.message}{where}"


class RapidProBadRequestError(RapidProError):
    """The server refused the values sent (HTTP 400); do not retry with the same values.

    ``errors`` is the server's answer: usually ``{field: [message, ...]}``, and for
    list fields ``{field: {index: [message, ...]}}``, naming the item at fault.
    """

    def __init__(self, errors: Any, **kwargs: Any) -> None:
        self.errors = errors
        super().__init__(f"RapidPro refused the request: {describe_errors(errors)}", **kwargs)


class RapidProTokenError(RapidProError):
    """The API token is invalid or lacks permission (HTTP 403)."""


class RapidProNoSuchObjectError(RapidProError):
    """The object to update or delete does not exist (HTTP 404)."""


class RapidProRateExceededError(RapidProError):
    """The workspace's request limit is reached (HTTP 429); wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"RapidPro rate limit exceeded; retry after {retry_after:g} seconds", **kwargs
        )


class RapidProHttpError(RapidProError):
    """Any other HTTP error status; ``response_text`` holds the start of the body."""

    def __init__(self, message: str, *, response_text: str = "", **kwargs: Any) -> None:
        self.response_text = response_text
        super().__init__(message, **kwargs)


class RapidProResponseError(RapidProError):
    """A success status whose body is not the JSON expected (a proxy's HTML page, say)."""


class RapidProConnectionError(RapidProError):
    """The server could not be reached or did not answer in time."""


class RapidProOutcomeUnknownError(RapidProConnectionError):
    """A write request was sent but no answer came, so it may or may not have happened.

    Never retry such a request blindly: a broadcast would go out twice. Look
    for its result first (``get_broadcasts(after=...)``).
    """


def describe_errors(errors: Any) -> str:
    """Return the server's field errors as one readable line."""
    if isinstance(errors, dict):
        parts = []
        for field, value in errors.items():
            parts.append(f"{field}: {describe_errors(value)}")
        return "; ".join(parts)
    if isinstance(errors, list | tuple):
        return " ".join(describe_errors(item) for item in errors)
    return str(errors)
