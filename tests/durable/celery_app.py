"""The Celery app the test workers load, defined the way the documentation tells projects to."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

app = Celery("rapidsms_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _tell_the_test(**kwargs: object) -> None:
    """Touch the file a test waits for once the worker consumes (tests only)."""
    path = os.environ.get("RAPIDSMS_TEST_READY_FILE")
    if path:
        with open(path, "w") as ready:
            ready.write(str(os.getpid()))


@beat_init.connect
def _tell_the_test_beat_runs(**kwargs: object) -> None:
    """Touch the ready file of ``celery beat`` run on its own (a worker's ``-B`` waits for it)."""
    if os.environ.get("RAPIDSMS_TEST_STANDALONE_BEAT"):
        _tell_the_test()
