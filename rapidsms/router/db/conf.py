"""Settings of the message store and its workers, with their defaults.

Durations are in seconds. Read when needed, never at import time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Queue of the incoming-message tasks.
    "RAPIDSMS_INCOMING_QUEUE": "rapidsms.incoming",
    # Each backend's sends go to the queue "<prefix><backend name>".
    "RAPIDSMS_SEND_QUEUE_PREFIX": "rapidsms.send.",
    # Largest number of incoming messages a worker claims and routes at once.
    "RAPIDSMS_INCOMING_BATCH_SIZE": 100,
    # A message claimed this long ago by a worker that has not finished it
    # belonged to a worker that died; another worker takes it over. A live
    # worker renews its claim every third of this, from a thread of its own.
    "RAPIDSMS_PROCESSING_LEASE": 10.0,
    # Largest number of transmissions one send task handles (RapidSMS 2.x name).
    "DB_ROUTER_DEFAULT_BATCH_SIZE": 200,
    # Largest number of replies (to different messages) one send task handles.
    "RAPIDSMS_REPLY_BATCH_SIZE": 20,
    # A transmission fails for good after this many attempts...
    "RAPIDSMS_RETRY_MAX_ATTEMPTS": 8,
    # ...or when its next attempt would come this long after it was queued.
    "RAPIDSMS_RETRY_MAX_AGE": 24 * 3600,
    # Backoff: the n-th retry waits about base * 2**(n-1), at most max, with jitter.
    "RAPIDSMS_RETRY_BASE_DELAY": 15.0,
    "RAPIDSMS_RETRY_MAX_DELAY": 3600.0,
    # A transmission still "sending" after this long belonged to a worker that
    # died mid-send; it is marked failed (outcome unknown), never sent again.
    "RAPIDSMS_SEND_LEASE": 300.0,
    # Work that was handed to the broker this long ago and has not started is
    # handed over again by the recovery task (lost in a broker restart).
    "RAPIDSMS_REDISPATCH_AFTER": 300.0,
    # Each worker of the store's queues looks this often for work whose task
    # was lost with a killed worker (0: never).
    "RAPIDSMS_SWEEP_INTERVAL": 5.0,
}

#: Retries further away than this are not parked in the broker (RabbitMQ closes
#: channels holding a message unacknowledged for 30 minutes; Redis redelivers
#: after its visibility timeout); the recovery task dispatches them when due.
COUNTDOWN_LIMIT = 300.0

#: A worker waits inline for a rate-limit slot up to this long; a longer wait
#: puts the task back in the queue with a countdown instead.
RATE_MAX_SLEEP = 1.0


def get_setting(name: str) -> Any:
    """Return the project's value of ``name``, or the default above."""
    return getattr(settings, name, DEFAULTS[name])


def celery_is_eager() -> bool:
    """Return True when tasks run in the calling process instead of a worker.

    ``CELERY_TASK_ALWAYS_EAGER`` (or RapidSMS 2.x's ``CELERY_ALWAYS_EAGER``) in
    Django's settings decides when present, so eager mode works even where no
    Celery app was defined; otherwise the current Celery app's configuration.
    """
    for name in ("CELERY_TASK_ALWAYS_EAGER", "CELERY_ALWAYS_EAGER"):
        value = getattr(settings, name, None)
        if value is not None:
            return bool(value)
    from rapidsms.router.db.dispatch import celery_app

    return bool(celery_app().conf.task_always_eager)
