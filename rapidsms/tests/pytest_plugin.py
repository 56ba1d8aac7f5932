"""pytest fixtures for SMS apps, registered through the ``pytest11`` entry point.

The fixtures exist only where pytest-django is installed, and import Django
lazily, so installing this package never disturbs another project's pytest.

``rapidsms_router``
    A :class:`~rapidsms.router.test.TestRouter` with the project's apps. Every
    backend in ``INSTALLED_BACKENDS`` (and one named ``mockbackend``) is
    replaced by an outbox backend, so nothing reaches a real gateway.
``rapidsms_outbox``
    The list of messages sent during the test, as :class:`SentMessage` items.
``rapidsms_connection``
    A factory: ``rapidsms_connection("+15550001", backend="mockbackend")``.
``rapidsms_transcript``
    A function that plays a transcript strictly: a reply no line expects fails.

For gateway tests (:mod:`rapidsms.testing.gateways` uses them):

``mount``
    ``mount(backends)`` configures the backends (``INSTALLED_BACKENDS``'s
    shape), mounts their URLs at ``/backends/<name>/`` and returns a
    recording :class:`~rapidsms.router.test.TestRouter`.
``gateway``
    A :class:`~rapidsms.testing.fake_gateway.FakeGateway`: a real HTTP
    server on 127.0.0.1 that records requests and answers as told.

The plugin also registers the ``services`` marker, for tests that need
PostgreSQL, Redis or RabbitMQ (see :mod:`rapidsms.testing.services`).

Example::

    def test_echo(rapidsms_transcript):
        rapidsms_transcript('''
            +15550001 > echo hi
            +15550001 < hi
        ''')
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

HAS_PYTEST_DJANGO = importlib.util.find_spec("pytest_django") is not None

#: The backend name the fixtures add for tests that need one.
MOCK_BACKEND = "mockbackend"


@dataclass
class SentMessage:
    """One ``send()`` call a backend received during a test."""

    backend: str
    id: str
    text: str
    identities: list[str]
    context: dict[str, Any] = field(default_factory=dict)


def _outbox_backend_class() -> type:
    from rapidsms.backends.base import BackendBase

    class OutboxBackend(BackendBase):
        """Append every send to the router's shared outbox instead of sending."""

        def configure(self, **options: Any) -> None:
            # Stands in for any real backend, so it takes any option.
            self.outbox: list[SentMessage] = self.router.outbox

        def send(self, id_: str, text: str, identities: list[str],
                 context: dict[str, Any] | None = None) -> None:
            self.outbox.append(SentMessage(self.name, id_, text, list(identities), context or {}))

    return OutboxBackend


def _sent_replies(sent: SentMessage) -> list[tuple[str, str]]:
    return [(identity, sent.text) for identity in sent.identities]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "services: needs PostgreSQL, Redis or RabbitMQ (skipped when absent)"
    )


@pytest.fixture
def gateway() -> Iterator[Any]:
    """Yield a fake gateway listening on 127.0.0.1 for the test; stop it afterwards."""
    from rapidsms.testing.fake_gateway import FakeGateway

    with FakeGateway() as server:
        yield server


if HAS_PYTEST_DJANGO:

    @pytest.fixture
    def rapidsms_router(db: None) -> Iterator[Any]:
        """Install a recording router whose backends all write to one outbox."""
        from django.test import override_settings

        from rapidsms.conf import get_setting
        from rapidsms.router.test.router import TestRouter

        class OutboxRouter(TestRouter):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self.outbox: list[SentMessage] = []
                super().__init__(*args, **kwargs)

        engine = _outbox_backend_class()
        configured = get_setting("INSTALLED_BACKENDS")
        names = list(configured) if isinstance(configured, dict) else []
        backends = {name: {"ENGINE": engine} for name in [*names, MOCK_BACKEND]}
        router = OutboxRouter(backends=backends)
        with override_settings(RAPIDSMS_ROUTER=router):
            yield router

    @pytest.fixture
    def mount(db: None) -> Iterator[Callable[[dict[str, Any]], Any]]:
        """Return ``mount(backends)``: configure backends, mount their URLs, return the router.

        The router is a real ``TestRouter`` running the project's apps, which
        records every routed message in ``router.inbound``. Settings are
        restored after the test.
        """
        import types
        from contextlib import ExitStack

        from django.test import override_settings
        from django.urls import include, path

        from rapidsms.backends.urls import backend_urlpatterns
        from rapidsms.router.test.router import TestRouter

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

    @pytest.fixture
    def rapidsms_outbox(rapidsms_router: Any) -> list[SentMessage]:
        """Return the messages sent in this test; it starts empty for each test."""
        return rapidsms_router.outbox

    @pytest.fixture
    def rapidsms_connection(db: None) -> Callable[..., Any]:
        """Return a factory of connections: ``make(identity, backend="mockbackend")``."""
        from rapidsms.router.api import lookup_connections

        def make(identity: str = "+15550000001", backend: str = MOCK_BACKEND) -> Any:
            return lookup_connections(backend, [identity])[0]

        return make

    @pytest.fixture
    def rapidsms_transcript(rapidsms_router: Any) -> Callable[..., None]:
        """Return ``play(script, backend="mockbackend")``, which plays a transcript strictly.

        Each ``identity > text`` line is received from ``backend``. The replies
        are what the backends were asked to send while the script played (a
        send cancelled in an ``outgoing`` phase is not a reply); every one
        must be matched by an ``identity < text`` line, or the test fails.
        """
        from rapidsms.router.api import lookup_connections, receive
        from rapidsms.tests.harness.transcript import play_transcript

        def play(script: str, backend: str = MOCK_BACKEND) -> None:
            __tracebackhide__ = True

            def receive_line(identity: str, text: str) -> None:
                receive(text, lookup_connections(backend, [identity])[0])

            play_transcript(
                script, receive_line, rapidsms_router.outbox, strict=True, replies_of=_sent_replies
            )

        return play
