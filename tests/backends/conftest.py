"""Fixtures of the backend tests: a fake gateway and backends mounted at real URLs."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from django.test import override_settings
from django.urls import include, path

from rapidsms.backends.urls import backend_urlpatterns
from rapidsms.router.test.router import TestRouter
from tests.backends.gateway import FakeGateway


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    """A fake gateway listening on 127.0.0.1 for the test."""
    with FakeGateway() as server:
        yield server


@pytest.fixture
def mount(db: None) -> Iterator[Callable[[dict[str, Any]], TestRouter]]:
    """Return ``install(backends)``: configure backends, mount their URLs, return the router.

    The router is a real ``TestRouter`` running the project's apps (echo,
    default), which records every routed message in ``router.inbound``.
    """
    stack = ExitStack()

    def install(backends: dict[str, Any]) -> TestRouter:
        router = TestRouter(backends=backends)
        urlconf = types.ModuleType("mounted_backend_urls")
        urlconf.urlpatterns = [  # type: ignore[attr-defined]
            path("backends/", include(backend_urlpatterns(backends)))
        ]
        stack.enter_context(override_settings(
            INSTALLED_BACKENDS=backends, RAPIDSMS_ROUTER=router, ROOT_URLCONF=urlconf
        ))
        return router

    yield install
    stack.close()
