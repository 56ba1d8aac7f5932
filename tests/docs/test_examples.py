"""The documentation's examples work as printed.

The example SMS app and backend live in ``docs/examples`` and are included in
the pages from there, so a change that breaks them fails here.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from rapidsms.checks import check_backends
from rapidsms.errors import MessageSendingError
from rapidsms.router import lookup_connections, receive, send

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

# The example app's own tests, collected here as they are.
clinic_tests = importlib.import_module("clinic.tests")
clinic_fixture_tests = importlib.import_module("clinic.test_fixtures")
ClinicConversationTest = clinic_tests.ClinicConversationTest
ClinicRoutingTest = clinic_tests.ClinicRoutingTest

ENGINE = "jsongateway.outgoing.JsonGatewayBackend"


@pytest.fixture
def clinic_installed() -> Iterator[None]:
    """Install the example app as a project would, just before the default app."""
    apps = [app for app in settings.INSTALLED_APPS if app != "rapidsms.contrib.default"]
    with override_settings(INSTALLED_APPS=[*apps, "clinic", "rapidsms.contrib.default"]):
        yield


def _with_clinic_installed(test: Any) -> Any:
    return pytest.mark.usefixtures("clinic_installed")(test)


test_fixtures_hours = _with_clinic_installed(clinic_fixture_tests.test_hours)
test_fixtures_join = _with_clinic_installed(
    clinic_fixture_tests.test_join_replies_once_and_stores_the_name
)
test_fixtures_join_without_a_name = _with_clinic_installed(
    clinic_fixture_tests.test_join_without_a_name
)


def test_install_page_shell_session(db):
    from rapidsms.backends.database.models import BackendMessage

    connection = lookup_connections("message_tester", ["+15550001"])[0]
    assert repr(receive("echo hello", connection)) == "<IncomingMessage: echo hello>"
    assert list(BackendMessage.objects.values_list("identity", "text")) == [
        ("+15550001", "hello")
    ]


# The example backend, against a gateway on the loopback interface --------------


class FakeGateway:
    """A JSON gateway on 127.0.0.1 that records requests and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.reply: dict[str, Any] = {"rejected": []}
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(
                    {"json": json.loads(body), "authorization": self.headers["Authorization"]}
                )
                payload = json.dumps(gateway.reply).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass  # keep the test output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(db) -> Iterator[FakeGateway]:
    """Run a gateway and configure the example backend, as ``gateway``, to use it."""
    fake = FakeGateway()
    # Upper-case keys on purpose: option names are case-insensitive.
    backends = {"gateway": {"ENGINE": ENGINE, "URL": fake.url, "TOKEN": "s3cret", "timeout": 5}}
    try:
        with override_settings(INSTALLED_BACKENDS=backends):
            yield fake
    finally:
        fake.close()


def test_backend_sends_one_request_with_every_identity(gateway):
    connections = lookup_connections("gateway", ["+15550001", "+15550002"])
    msg = send("Clinic closed tomorrow", connections)
    assert gateway.requests == [{
        "json": {"id": msg.id, "text": "Clinic closed tomorrow", "to": ["+15550001", "+15550002"]},
        "authorization": "Bearer s3cret",
    }]


def test_backend_passes_the_gateway_id_of_the_message_it_answers(gateway):
    connection = lookup_connections("gateway", ["+15550001"])[0]
    msg = receive("echo hi", connection, fields={"external_id": "gw-42"})
    assert [request["json"] for request in gateway.requests] == [{
        "id": gateway.requests[0]["json"]["id"],
        "text": "hi",
        "to": ["+15550001"],
        "reply_to": "gw-42",
    }]
    assert gateway.requests[0]["json"]["id"] != msg.id


def test_backend_reports_refused_numbers_as_not_retryable(gateway):
    gateway.reply = {"rejected": ["+15550002"]}
    connections = lookup_connections("gateway", ["+15550001", "+15550002"])
    with pytest.raises(MessageSendingError) as caught:
        send("hello", connections)
    assert caught.value.failed_identities == ["+15550002"]
    assert caught.value.backend == "gateway"
    assert caught.value.retryable is False


def test_backend_reports_a_gateway_outage_as_retryable(gateway):
    gateway.status = 503
    connections = lookup_connections("gateway", ["+15550001", "+15550002"])
    with pytest.raises(MessageSendingError) as caught:
        send("hello", connections)
    assert caught.value.failed_identities == ["+15550001", "+15550002"]
    assert caught.value.retryable is True
    assert "503" in str(caught.value)


def test_backend_rejects_an_unknown_option_naming_it(db):
    backends = {"gateway": {"ENGINE": ENGINE, "url": "http://127.0.0.1:9/", "retries": 3}}
    with override_settings(INSTALLED_BACKENDS=backends):
        errors = check_backends()
        with pytest.raises(ImproperlyConfigured, match="'gateway'.*retries"):
            send("hello", lookup_connections("gateway", ["+15550001"]))
    assert [error.id for error in errors] == ["rapidsms.E005"]
    assert "retries" in errors[0].msg


def test_backend_without_url_fails_the_system_check():
    with override_settings(INSTALLED_BACKENDS={"gateway": {"ENGINE": ENGINE}}):
        errors = check_backends()
    assert [error.id for error in errors] == ["rapidsms.E005"]
    assert "needs the option 'url'" in errors[0].msg
