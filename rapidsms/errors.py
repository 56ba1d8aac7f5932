"""Errors raised by the router and the backends.

The family::

    MessageSendingError          a message could not be sent to some identities
    ├── NoRouterError            kept for RapidSMS 2.x compatibility
    └── NoConnectionError        kept for RapidSMS 2.x compatibility

    ImproperlyConfigured (Django)
    ├── BackendConfigurationError   an ENGINE cannot be loaded; also a ValueError
    └── BackendOptionsError         options that do not fit configure(); also a TypeError

Configuration mistakes are Django's ``ImproperlyConfigured``, never a
``MessageSendingError``, so that an ``except MessageSendingError`` can never
swallow them. Each is also the built-in error RapidSMS 2.x raised in its
place, so 2.x code (and 2.x add-ons' tests) that catch that one still do.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured


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
