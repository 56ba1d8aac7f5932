"""Handing stored work to Celery, only once it is committed.

A task must never reach a worker before the rows it points at are
committed, or the worker finds nothing. :func:`after_commit` runs the hand-
over after the caller's transaction commits (``transaction.on_commit``), or
at once when there is no transaction. A broker that cannot be reached is
logged and otherwise ignored: the work is stored, and the recovery task
hands it over again (see :mod:`rapidsms.router.db.recovery`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import transaction

logger = logging.getLogger("rapidsms.router.db")

_local = threading.local()


def in_transaction() -> bool:
    """Return True inside a transaction that will commit (not a test case's wrapper).

    Django's ``TestCase`` wraps each test in a transaction that is rolled
    back, so ``on_commit`` callbacks never run there; in that case the work
    is done at once, which keeps eager-mode tests working.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def after_commit(func: Callable[[], Any], description: str, inline: bool = False) -> None:
    """Run ``func`` once the current transaction commits.

    A hand-over to the broker (``inline`` False) never raises: its failure
    is logged and left to the recovery task. Work run in this process
    (eager mode, ``inline`` True) raises as any code would, so that a test
    or the demo shows the error.
    """

    def run() -> None:
        if inline:
            func()
            return
        try:
            func()
        except Exception:
            logger.exception(
                "Could not start %s; it is stored and the recovery task will start it later.",
                description,
            )

    stack = getattr(_local, "stack", None)
    if stack:
        stack[-1].append(run)
    elif in_transaction():
        transaction.on_commit(run)
    else:
        run()


@contextmanager
def atomic_then_dispatch() -> Iterator[None]:
    """Open a transaction; the hand-overs queued inside it run once it has ended.

    Like ``transaction.atomic()`` with ``on_commit``, except that when the
    block is nested only in a test case's transaction (which never commits)
    the hand-overs still run when the block ends.
    """
    pending: list[Callable[[], None]] = []
    stack = _local.__dict__.setdefault("stack", [])
    stack.append(pending)
    try:
        with transaction.atomic():
            yield
    finally:
        stack.pop()
    for run in pending:
        after_commit(run, "queued work", inline=True)  # run() handles its own errors


def celery_app() -> Any:
    """Return the project's Celery app, from any thread.

    ``RAPIDSMS_CELERY_APP`` (a dotted path such as ``"myproject.celery.app"``)
    names it explicitly. Otherwise: Celery's current app, which is only set
    in the thread that created the app; in another thread (a threaded web
    server), the app the project created rather than Celery's unconfigured
    fallback, which would publish to a broker nobody runs.
    """
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "RAPIDSMS_CELERY_APP", None)
    if path:
        return import_string(path) if isinstance(path, str) else path
    from celery import _state, current_app

    found = _state._tls.current_app or _state.default_app
    if found is not None:
        return found
    created = [app for app in list(_state._get_active_apps()) if app.main != "default"]
    return created[-1] if len(created) == 1 else current_app._get_current_object()


def publish(
    task_name: str,
    args: list[Any],
    *,
    queue: str,
    priority: int | None = None,
    eta: datetime | None = None,
    kwargs: dict[str, Any] | None = None,
) -> None:
    """Send one message for task ``task_name`` to ``queue`` through the project's app."""
    options: dict[str, Any] = {"queue": queue}
    if priority is not None:
        options["priority"] = priority
    if eta is not None:
        options["eta"] = eta
    celery_app().send_task(task_name, args=args, kwargs=kwargs or {}, **options)
