"""``CeleryRouter``, kept under its RapidSMS 2.x import path."""

from __future__ import annotations

from rapidsms.router.db.router import DatabaseRouter


class CeleryRouter(DatabaseRouter):
    """Route with Celery workers, storing every message first.

    The same router as :class:`~rapidsms.router.db.router.DatabaseRouter`;
    see there. ``is_eager(backend_name)`` is RapidSMS 2.x's per-backend switch.
    """
