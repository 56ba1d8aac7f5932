"""The durable router: ``DatabaseRouter`` and the message store it writes to.

Add ``"rapidsms.router.db"`` to ``INSTALLED_APPS`` and set ``RAPIDSMS_ROUTER``
to ``"rapidsms.router.db.DatabaseRouter"`` (or
``"rapidsms.router.celery.CeleryRouter"``, the same router under its
RapidSMS 2.x name). Every message is committed to the database before a
Celery task is queued for it; workers run the apps and the sends.

The names below are imported on first use, because Django imports this
package before the app registry is ready.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DatabaseRouter",
    "MessageStoreUnavailable",
    "unavailable_response",
    "update_transmission_status",
]

_EXPORTS = {
    "DatabaseRouter": "rapidsms.router.db.router",
    "MessageStoreUnavailable": "rapidsms.router.db.errors",
    "unavailable_response": "rapidsms.router.db.intake",
    "update_transmission_status": "rapidsms.router.db.reports",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rapidsms.router.db' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
