"""``CeleryRouter``: the RapidSMS 2.x name of the durable router.

In RapidSMS 2.x, ``CeleryRouter`` queued messages for Celery without storing
them, so a broker restart lost them, and nothing was retried. Here it is the
:class:`~rapidsms.router.db.DatabaseRouter`: every message is committed to the
message store first (add ``"rapidsms.router.db"`` to ``INSTALLED_APPS``). The
2.x backend option ``"router.celery.eager": True`` still runs a backend's
work in the calling process.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CeleryRouter"]


def __getattr__(name: str) -> Any:
    if name == "CeleryRouter":
        from rapidsms.router.celery.router import CeleryRouter

        return CeleryRouter
    raise AttributeError(f"module 'rapidsms.router.celery' has no attribute {name!r}")
