"""Queue names and message priorities of the store's Celery tasks.

Incoming messages go to one queue (``RAPIDSMS_INCOMING_QUEUE``); each
backend's sends go to a queue of its own, ``RAPIDSMS_SEND_QUEUE_PREFIX`` plus
the backend's name, so a slow gateway never delays another. Start workers
with ``-Q`` listing the queues they serve (``manage.py rapidsms_status``
prints them).

Replies go before bulk messages through message priorities. RabbitMQ honours
them on queues declared with ``x-max-priority`` (set
``CELERY_TASK_QUEUE_MAX_PRIORITY = 10``), where a higher number goes first;
Redis honours them out of the box, where a lower number goes first. The
functions here pick the number for the broker in use.
"""

from __future__ import annotations

import re
from typing import Any

from rapidsms.conf import get_setting as core_setting
from rapidsms.router.db.conf import get_setting

#: Kinds of outgoing messages, in the order they are served.
REPLY = "reply"
BULK = "bulk"

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def incoming_queue() -> str:
    """Return the name of the queue of incoming-message tasks."""
    return str(get_setting("RAPIDSMS_INCOMING_QUEUE"))


def send_queue(backend_name: str, backend: Any = None) -> str:
    """Return the queue of ``backend_name``'s sends.

    A backend may name its own queue with the option ``"router.queue"`` in
    ``INSTALLED_BACKENDS``; otherwise the name is derived from the backend's.
    """
    config = getattr(backend, "_config", None) or {}
    if config.get("router.queue"):
        return str(config["router.queue"])
    return str(get_setting("RAPIDSMS_SEND_QUEUE_PREFIX")) + _UNSAFE.sub("_", backend_name)


def all_queues() -> list[str]:
    """Return every queue the store uses with the configured backends."""
    backends = core_setting("INSTALLED_BACKENDS") or {}
    names = [incoming_queue()]
    for name, conf in backends.items():
        options = {str(key).lower(): value for key, value in dict(conf).items()}
        queue = options.get("router.queue") or send_queue(name)
        if queue not in names:
            names.append(str(queue))
    return names


def uses_redis(app: Any) -> bool:
    """Return True when ``app``'s broker is Redis (whose priorities run backwards)."""
    url = str(app.conf.broker_write_url or app.conf.broker_url or "")
    return url.split("://", 1)[0].lower() in {"redis", "rediss", "sentinel", "redis+socket"}


def broker_priority(kind: str, app: Any) -> int:
    """Return the message priority of an outgoing ``kind`` (reply or bulk) for ``app``'s broker."""
    reply_first = kind == REPLY
    if uses_redis(app):
        return 0 if reply_first else 9
    return 9 if reply_first else 1
