"""Errors raised by the router and the backends.

The family::

    MessageSendingError          a message could not be sent to some identities
    ├── NoRouterError            kept for RapidSMS 2.x compatibility
    └── NoConnectionError        kept for RapidSMS 2.x compatibility

Configuration mistakes are raised as Django's ``ImproperlyConfigured`` instead,
so that a ``except MessageSendingError`` can never swallow them.
"""

from __future__ import annotations

from collections.abc import Iterable


class MessageSendingError(Exception):
    """Raise when a message could not be sent to some or all identities.

    ``failed_identities`` lists the identities that did not get the message;
    an empty list means the backend could not tell which ones failed.
    ``backend`` names the backend involved, and ``retryable`` says whether the
    same send may succeed later (a gateway outage) or never will (a refused
    number); ``None`` means unknown.
    """

    default_message = "An error occurred during sending."

    def __init__(
        self,
        message: str | None = None,
        failed_identities: Iterable[str] | None = None,
        *,
        backend: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.failed_identities = list(failed_identities or [])
        self.backend = backend
        self.retryable = retryable
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message.rstrip(". ")]
        if self.backend and self.backend not in self.message:
            parts.append(f"backend: {self.backend}")
        if self.failed_identities:
            parts.append(f"failed identities: {', '.join(map(str, self.failed_identities))}")
        return "; ".join(parts) + "."


class NoRouterError(MessageSendingError):
    """Kept for RapidSMS 2.x compatibility; the router never raises it."""


class NoConnectionError(MessageSendingError):
    """Kept for RapidSMS 2.x compatibility; the router never raises it."""
