"""Fixtures of the core tests: a router installed for one test, and connections on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rapidsms.router import lookup_connections
from rapidsms.router.blocking import BlockingRouter
from tests.core.helpers import RecordingBackend


@pytest.fixture
def install_router(db: None, settings: Any) -> Callable[..., BlockingRouter]:
    """Return ``install(apps=(), backends=None)``, which builds a router and installs it.

    The router becomes ``RAPIDSMS_ROUTER`` for the test, so ``receive()`` and
    ``send()`` go through it. ``backends`` defaults to one recording backend
    called ``sms``.
    """

    def install(apps: Any = (), backends: dict[str, Any] | None = None) -> BlockingRouter:
        if backends is None:
            backends = {"sms": {"ENGINE": RecordingBackend}}
        router = BlockingRouter(apps=list(apps), backends=backends)
        settings.RAPIDSMS_ROUTER = router
        return router

    return install


@pytest.fixture
def connection(db: None) -> Any:
    """Return a connection on the ``sms`` backend."""
    return lookup_connections("sms", ["+15550001"])[0]


@pytest.fixture
def journal() -> list[tuple[str, str]]:
    """Return the list the test's apps record their phase calls in."""
    return []
