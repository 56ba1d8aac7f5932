"""Fixtures of the RapidPro tests: a sandbox server on 127.0.0.1 and a router using it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from rapidsms.apps.base import AppBase
from rapidsms.backends.rapidpro import RapidProBackend
from rapidsms.backends.rapidpro.sandbox import Sandbox
from rapidsms.router.blocking import BlockingRouter

TOKEN = "sandbox-test-token"
SECRET = "tests-only-rapidpro-secret"


class RecordingApp(AppBase):
    """Record every message routed to it; answer "got: <text>" when asked to."""

    received: list[Any] = []
    reply = True

    def handle(self, msg: Any) -> bool:
        type(self).received.append(msg)
        if type(self).reply:
            msg.respond(f"got: {msg.text}")
        return True


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox answering like the current server line."""
    with Sandbox(token=TOKEN) as server:
        yield server


@pytest.fixture
def received() -> Iterator[list[Any]]:
    """The messages the recording app saw during the test."""
    RecordingApp.received = []
    RecordingApp.reply = True
    yield RecordingApp.received
    RecordingApp.received = []


@pytest.fixture
def install_backend(
    sandbox: Sandbox, settings: Any, received: list[Any]
) -> Iterator[Callable[..., RapidProBackend]]:
    """Return ``install(**options)``: a router with a RapidPro backend on the sandbox.

    Defaults: no coalescing window (sends happen in send()), a generous
    request budget. The router becomes ``RAPIDSMS_ROUTER`` for the test.
    """
    built: list[RapidProBackend] = []

    def install(target: Sandbox | None = None, **options: Any) -> RapidProBackend:
        server = target or sandbox
        conf = {
            "ENGINE": RapidProBackend,
            "url": server.url,
            "api_token": TOKEN,
            "inbound_secrets": [SECRET],
            "coalesce_window": 0,
            "rate_limit": "100000/h",
            **options,
        }
        router = BlockingRouter(apps=[RecordingApp], backends={"rapidpro": conf})
        settings.RAPIDSMS_ROUTER = router
        backend = router.backends["rapidpro"]
        backend.client.sleep = lambda seconds: None  # client retry pauses: none in tests
        built.append(backend)
        return backend

    yield install
    for backend in built:
        backend.flusher.stop(timeout=5)
        backend.session.close()


def urns(count: int, start: int = 0) -> list[str]:
    """Return ``count`` distinct Rwandan mobile URNs."""
    return [f"tel:+25078{n:07d}" for n in range(start, start + count)]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook_server(transactional_db: None) -> Iterator[str]:
    """Serve this project on 127.0.0.1 (a real socket); return its root URL.

    Requests are handled one at a time in a thread, with their own database
    connection, so the test's data must be committed (``transactional_db``).
    """
    from django.core.handlers.wsgi import WSGIHandler

    server = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()
