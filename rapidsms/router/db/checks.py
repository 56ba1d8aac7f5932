"""System checks of the message store.

* ``rapidsms.db.E001`` the durable router is configured but Celery is not installed.
* ``rapidsms.db.E002`` a backend's ``router.rate`` or ``router.rate_unit`` is invalid.
* ``rapidsms.db.E003`` a backend's ``router.in_doubt`` is neither ``"hold"`` nor ``"resend"``.
* ``rapidsms.db.W001`` RabbitMQ queues are declared without priorities, so
  replies are not sent before bulk messages.
"""

from __future__ import annotations

import importlib.util
import inspect
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from rapidsms.conf import get_setting


def _uses_store_router() -> bool:
    path = get_setting("RAPIDSMS_ROUTER")
    if not isinstance(path, str):
        return False
    try:
        router_class = import_string(path)
    except ImportError:
        return False  # rapidsms.E001 reports it
    from rapidsms.router.db.router import DatabaseRouter

    return inspect.isclass(router_class) and issubclass(router_class, DatabaseRouter)


@checks.register("rapidsms")
def check_store(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check what the durable router needs: Celery, valid rates, broker priorities."""
    if not _uses_store_router():
        return []
    messages: list[checks.CheckMessage] = []
    if importlib.util.find_spec("celery") is None:
        messages.append(checks.Error(
            f"RAPIDSMS_ROUTER = {get_setting('RAPIDSMS_ROUTER')!r} needs Celery, which is not "
            "installed.",
            hint="pip install 'rapidsms[celery]' (Celery with the Redis client).",
            id="rapidsms.db.E001",
        ))
    from rapidsms.router.db.ratelimit import rate_limit_for

    for name, conf in (get_setting("INSTALLED_BACKENDS") or {}).items():
        if not isinstance(conf, dict):
            continue  # rapidsms.E003 reports it
        options = {str(key).lower(): value for key, value in conf.items()}
        probe = type("Backend", (), {"name": name, "_config": options})()
        try:
            rate_limit_for(probe)
        except ImproperlyConfigured as exc:
            messages.append(checks.Error(
                str(exc),
                hint="Write for example 'router.rate': 10 (per second, all workers together).",
                id="rapidsms.db.E002",
            ))
        messages += check_in_doubt(name, options)
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    if (
        broker.split("://", 1)[0] in {"amqp", "amqps", "pyamqp"}
        and not eager
        and not getattr(settings, "CELERY_TASK_QUEUE_MAX_PRIORITY", None)
    ):
        messages.append(checks.Warning(
            "The RabbitMQ queues are declared without priorities, so replies are not sent "
            "before bulk messages.",
            hint="Set CELERY_TASK_QUEUE_MAX_PRIORITY = 10 (queues that already exist must be "
            "deleted once so that RabbitMQ declares them again with priorities).",
            id="rapidsms.db.W001",
        ))
    return messages


def check_in_doubt(name: str, options: dict[str, Any]) -> list[checks.CheckMessage]:
    """Return an error when backend ``name``'s ``router.in_doubt`` is not a known choice."""
    from rapidsms.router.db.recovery import IN_DOUBT_CHOICES

    if "router.in_doubt" not in options or options["router.in_doubt"] in IN_DOUBT_CHOICES:
        return []
    return [checks.Error(
        f"Backend {name!r} has 'router.in_doubt': {options['router.in_doubt']!r}; it must be "
        "'hold' or 'resend'. Until it is fixed, messages in doubt are held.",
        hint="Write 'router.in_doubt': 'hold' (keep them for staff) or 'resend' (only where the "
        "gateway drops duplicates or a duplicate is harmless).",
        id="rapidsms.db.E003",
    )]
