"""Fixtures of the Kannel tests: Kannel, gunicorn and a worker, started once per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.durable import celery_app  # noqa: F401  (makes the tests' Celery app the current one)
from tests.durable.pipeline import broker_from_environment, require_postgresql, use_broker
from tests.kannel.project import Project
from tests.kannel.rig import Kannel, KannelSetup

TOKEN = "kannel-tests-inbound-token-0123456789"


@dataclass
class Rig:
    kannel: Kannel
    project: Project


@pytest.fixture(scope="module")
def rig(django_db_setup: None, django_db_blocker: Any,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """Start Kannel (bearerbox, smsbox), the project under gunicorn and a Celery worker."""
    require_postgresql("gunicorn, the worker and the test share the database")
    broker = broker_from_environment()
    log_dir = tmp_path_factory.mktemp("kannel")
    with django_db_blocker.unblock():
        project = Project(broker, log_dir, TOKEN)
        setup = KannelSetup(log_dir, site_url=project.site_url, token=TOKEN)
        kannel = Kannel(setup)
        project.launch(setup.sendsms_url, setup.sendsms_password)
    try:
        kannel.start()
        project.wait_ready()
        yield Rig(kannel, project)
    finally:
        project.stop()
        kannel.stop()


@pytest.fixture
def kannel_project(rig: Rig, settings: Any, transactional_db: None) -> Iterator[Rig]:
    """Point this process's router at the rig's queues, so ``send()`` reaches its worker."""
    project = rig.project
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RAPIDSMS_INCOMING_QUEUE = project.incoming_queue
    settings.RAPIDSMS_SEND_QUEUE_PREFIX = project.send_prefix
    settings.INSTALLED_BACKENDS = project.backends()
    settings.RAPIDSMS_ROUTER = "rapidsms.router.celery.CeleryRouter"
    use_broker(project.broker)
    yield rig
