"""Fixtures of the durable-routing tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rapidsms.apps.base import AppBase
from tests.durable import celery_app  # noqa: F401  (makes the tests' Celery app the current one)
from tests.durable.backend import ScriptedBackend


class BoomApp(AppBase):
    """An app that fails on every message containing "boom"."""

    def parse(self, msg: Any) -> None:
        if "boom" in msg.text:
            raise RuntimeError("kaboom")


@pytest.fixture
def store_router(settings: Any) -> Iterator[Any]:
    """Install an eager ``DatabaseRouter`` with the echo handlers and a scripted backend."""
    from rapidsms.router.db.router import DatabaseRouter

    settings.CELERY_TASK_ALWAYS_EAGER = True
    router = DatabaseRouter(
        apps=["rapidsms.contrib.handlers", BoomApp, "rapidsms.contrib.default"],
        backends={
            "mock": {"ENGINE": ScriptedBackend},
            "other": {"ENGINE": ScriptedBackend},
        },
    )
    settings.RAPIDSMS_ROUTER = router
    settings.INSTALLED_BACKENDS = {
        "mock": {"ENGINE": "tests.durable.backend.ScriptedBackend"},
        "other": {"ENGINE": "tests.durable.backend.ScriptedBackend"},
    }
    settings.RAPIDSMS_ROUTER = router  # the change above reset it
    yield router


@pytest.fixture
def mock_backend(store_router: Any) -> ScriptedBackend:
    return store_router.backends["mock"]


@pytest.fixture
def connect(db: None) -> Any:
    """Return a factory of saved connections on a backend (default ``mock``)."""
    from rapidsms.router import lookup_connections

    def make(*identities: str, backend: str = "mock") -> list[Any]:
        return lookup_connections(backend, list(identities))

    return make
