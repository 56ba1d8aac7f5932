"""RapidSMS 2.x import path of the router's Celery tasks; they live in ``rapidsms.router.db.tasks``.

The tasks take stored message ids now, not the message's text, so a message
survives a broker restart.
"""

from __future__ import annotations

from rapidsms.router.db.tasks import receive_async, recover_async, send_async

__all__ = ["receive_async", "send_async", "recover_async"]
