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
@beat_init.connect
def _tell_the_test(**kwargs: object) -> None:
    """Touch the file a test waits for once the worker consumes, or beat runs (tests only)."""
    path = os.environ.get("RAPIDSMS_TEST_READY_FILE")
    if path:
        with open(path, "w") as ready:
            ready.write(str(os.getpid()))
