"""The contract every SMS app implements."""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rapidsms.messages.incoming import IncomingMessage
    from rapidsms.messages.outgoing import OutgoingMessage


class AppBase:
    """Base class of an SMS app.

    An SMS app is a Django app whose ``app.py`` defines exactly one subclass
    of this class. The router builds it once per process with
    ``App(router)`` and, for every incoming message, calls the phases in this
    order, app after app in ``INSTALLED_APPS`` order:

    ``filter(msg)``
        Return ``True`` to drop the message: no later phase runs (replies
        already queued are still sent).
    ``parse(msg)``
        Add what later phases need to the message (``msg.fields``, ...).
        The return value is ignored.
    ``handle(msg)``
        Answer the message. Return ``True`` to mark it handled: later apps'
        ``handle`` and every ``default`` are skipped.
    ``default(msg)``
        Runs only when no app handled the message. Return ``True`` to stop
        later apps' ``default``.
    ``cleanup(msg)``
        Runs for every message that was not filtered.

    For every outgoing message, ``outgoing(msg)`` runs in reverse app order;
    return ``False`` to cancel the send.

    Only ``True`` and ``False`` themselves count; other values are ignored.
    An exception in a phase is logged with the app's name and the message
    goes on to the other apps.
    """

    def __init__(self, router: Any) -> None:
        self.router = router

    @classmethod
    def find(cls, app_name: str) -> type[AppBase] | None:
        """Return the ``AppBase`` subclass in ``<app_name>.app``, or ``None``.

        ``None`` means the Django app has no ``app.py``, or its ``app.py``
        defines no subclass or more than one (the system checks report the
        latter two). An ``ImportError`` raised inside ``app.py`` propagates.
        """
        module = _import_app_module(app_name)
        if module is None:
            return None
        candidates = app_classes_in(module)
        return candidates[0] if len(candidates) == 1 else None

    @property
    def name(self) -> str:
        """The name of the Django app this SMS app belongs to."""
        parts = type(self).__module__.split(".")
        return parts[-2] if len(parts) > 1 else parts[0]

    def __str__(self) -> str:
        return self.name  # as in RapidSMS 2.x; logs and templates show the name

    def __repr__(self) -> str:
        return f"<app: {self.name}>"

    # Phases. Subclasses override the ones they need.

    def filter(self, msg: IncomingMessage) -> bool | None:
        """Return ``True`` to drop ``msg`` before any other phase."""
        return None

    def parse(self, msg: IncomingMessage) -> None:
        """Annotate ``msg`` for the later phases."""

    def handle(self, msg: IncomingMessage) -> bool | None:
        """Answer ``msg``; return ``True`` when it was handled."""
        return None

    def default(self, msg: IncomingMessage) -> bool | None:
        """Answer a message no app handled; ``True`` stops later apps' default."""
        return None

    def catch(self, msg: IncomingMessage) -> None:
        """Kept for RapidSMS 2.x compatibility; the router never calls it."""

    def cleanup(self, msg: IncomingMessage) -> None:
        """Run after the other phases for every message that was not filtered."""

    def outgoing(self, msg: OutgoingMessage) -> bool | None:
        """Inspect ``msg`` before it is sent; return ``False`` to cancel it."""
        return None


def _import_app_module(app_name: str) -> Any:
    """Import ``<app_name>.app``; return ``None`` when there is no such module."""
    module_name = f"{app_name}.app"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only a missing app.py (or a missing package) means "no SMS app"; a
        # missing import *inside* app.py is a bug the author needs to see.
        if exc.name in (module_name, app_name) or (
            exc.name and module_name.startswith(exc.name + ".")
        ):
            return None
        raise


def app_classes_in(module: Any) -> list[type[AppBase]]:
    """Return the ``AppBase`` subclasses defined (not imported) in ``module``."""
    return [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, AppBase)
        and obj is not AppBase
        and obj.__module__ == module.__name__
    ]
