"""A Celery task that runs the poller, for projects that use Celery.

Schedule it with Celery beat, once a minute for example::

    CELERY_BEAT_SCHEDULE = {
        "rapidpro-poll": {
            "task": "rapidsms.backends.rapidpro.poll",
            "schedule": 60.0,
            "args": ["rapidpro"],
        },
    }

Two runs at once are safe: each message is routed once.
Without Celery installed, this module defines nothing.
"""

from __future__ import annotations

from typing import Any

try:
    from celery import shared_task
except ImportError:  # Celery is an optional extra
    shared_task = None

if shared_task is not None:

    @shared_task(name="rapidsms.backends.rapidpro.poll", ignore_result=True)
    def poll_rapidpro(
        backend_name: str, incoming: bool = True, statuses: bool = True
    ) -> dict[str, Any]:
        """Send what waits in the outbox, route new messages and follow statuses."""
        from rapidsms.backends.rapidpro.management.commands.rapidpro_poll import get_backend
        from rapidsms.backends.rapidpro.poller import poll

        summary = poll(get_backend(backend_name), incoming=incoming, statuses=statuses)
        return {key: str(value) for key, value in summary.items()}
