"""Promises every HTTP gateway keeps, as abstract test suites.

Each gateway's tests subclass these once and fill in a few hooks, so every
gateway is held to the same behaviour. The classes are not collected by
themselves (their names do not start with ``Test``).

``InboundSecuritySuite``
    no secret, wrong secret, header and query tokens, rotated secrets, the
    signature hook, status URL secured too, authentication before parsing.
``MalformedInputSuite``
    missing fields, garbage bodies, wrong methods, oversized bodies,
    impossible numbers; de-duplication of gateway retries.
``FaultSuite``
    a fault of ours (a bug in parsing, the id claim, ``receive()``, storing
    a delivery report) is 500, a service down is 503 with ``Retry-After``;
    the traceback is logged, nothing is lost, the retry is routed once.
``ContractSuite``
    outgoing: one ``send()`` per backend per message, every identity
    reached once, partial failure, 4xx/5xx/429, timeouts, connection errors,
    User-Agent, secrets never logged.

Hooks to fill in (see each suite's docstring): ``engine``, ``options``,
``inbound_request()``, ``status_request()``, ``outgoing_options()``,
``sent_identities()``, ``sent_text()``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from rapidsms.backends.inbound.models import DeliveryReport, ReceivedMessage
from rapidsms.backends.signals import delivery_report
from rapidsms.errors import MessageSendingError
from rapidsms.models import Connection
from rapidsms.router import lookup_connections, send
from tests.backends.gateway import Answer, FakeGateway, RecordedRequest, unused_port

SECRET = "current-secret-0123456789abcdef"
OLD_SECRET = "previous-secret-fedcba9876543210"


@dataclass
class GatewayRequest:
    """A request as a gateway would make it to one of our URLs."""

    method: str = "POST"
    data: Any = None  # a dict of form fields, or raw bytes with content_type
    content_type: str = "application/x-www-form-urlencoded"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class GatewaySuite:
    """Shared set-up: a backend called ``gw`` mounted at ``/backends/gw/``.

    Hooks: ``engine`` (dotted path of the backend class), ``options`` (its
    options besides ``inbound_secrets``), :meth:`sign` for gateways whose
    requests carry a signature.
    """

    engine: str = ""
    options: dict[str, Any] = {}
    backend_name = "gw"

    @pytest.fixture(autouse=True)
    def _setup(self, mount: Any, gateway: FakeGateway) -> None:
        self.mount = mount
        self.gateway = gateway
        self.client = Client()
        self.router = self.install()

    def install(self, engine: Any = None, **overrides: Any) -> Any:
        """Mount the backend with ``overrides`` on top of the default options."""
        conf = {"ENGINE": engine or self.engine, **self.options,
                "inbound_secrets": [SECRET], **overrides}
        self.router = self.mount({self.backend_name: conf})
        return self.router

    @property
    def backend(self) -> Any:
        return self.router.backends[self.backend_name]

    def sign(self, request: GatewayRequest, url: str) -> GatewayRequest:
        """Return ``request`` with the gateway's signature added (gateways that sign)."""
        return request

    def call(self, request: GatewayRequest, *, url_name: str = "inbound",
             token: str | None = SECRET, token_in: str = "header", sign: bool = True) -> Any:
        """Make ``request`` to the backend's URL with ``token``; return the response."""
        url = reverse(f"{self.backend_name}-{url_name}")
        query = dict(request.query)
        headers = dict(request.headers)
        if token is not None and token_in == "query":
            query["token"] = token
        elif token is not None:
            headers["X-RapidSMS-Token"] = token
        if request.method == "GET":
            query = {**(request.data or {}), **query}
        if query:
            url = f"{url}?{urlencode(query, doseq=True)}"
        request = GatewayRequest(request.method, request.data, request.content_type, query,
                                 headers)
        if sign:
            request = self.sign(request, "http://testserver" + url)
        method = request.method.lower()
        kwargs: dict[str, Any] = {"headers": request.headers}
        if method == "get":
            return self.client.get(url, **kwargs)
        data = request.data if request.data is not None else {}
        if isinstance(data, dict) and request.content_type.startswith("application/x-www"):
            data = urlencode(data, doseq=True)
        return self.client.generic(method.upper(), url, data=data,
                                   content_type=request.content_type, **kwargs)


class InboundSuite(GatewaySuite):
    """Hooks for the inbound suites.

    ``inbound_request(identity, text, external_id)`` returns a
    :class:`GatewayRequest` as the gateway sends a message; a ``None``
    argument leaves that field out. ``identity_field``/``text_field`` are the
    gateway's names of those fields. ``has_external_id``: the gateway sends
    its own message id (de-duplication applies).
    """

    identity_field = "identity"
    text_field = "text"
    has_external_id = True
    #: A content type and body the gateway's parser cannot read.
    garbage = GatewayRequest(data=b"\xff\xfe\x00{not: valid", content_type="application/json")

    def inbound_request(self, identity: str | None = "+15550000001", text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        raise NotImplementedError

    def routed(self) -> list[tuple[str, str]]:
        """Return ``(identity, text)`` of every message the router received."""
        return [(msg.connections[0].identity, msg.text) for msg in self.router.inbound]


class InboundSecuritySuite(InboundSuite):
    """Every inbound URL refuses requests that do not prove they come from the gateway."""

    signs = False  # set True with sign() for gateways that sign their requests

    def test_no_token_is_refused_and_not_routed(self) -> None:
        response = self.call(self.inbound_request(), token=None)
        assert response.status_code == 403
        assert "token" in response.json()["error"]
        assert self.routed() == []

    def test_wrong_token_is_refused_and_not_routed(self) -> None:
        response = self.call(self.inbound_request(), token="guess")
        assert response.status_code == 403
        assert self.routed() == []

    def test_token_in_header_is_accepted(self) -> None:
        response = self.call(self.inbound_request(text="ping"), token_in="header")
        assert response.status_code == 200
        assert self.routed() == [("+15550000001", "ping")]

    def test_token_in_query_is_accepted(self) -> None:
        response = self.call(self.inbound_request(text="ping"), token_in="query")
        assert response.status_code == 200
        assert self.routed() == [("+15550000001", "ping")]

    def test_rotated_secrets_accept_old_and_new_only(self) -> None:
        self.install(inbound_secrets=[SECRET, OLD_SECRET])
        assert self.call(self.inbound_request(external_id="a"), token=SECRET).status_code == 200
        assert self.call(self.inbound_request(external_id="b"),
                         token=OLD_SECRET).status_code == 200
        assert self.call(self.inbound_request(external_id="c"),
                         token="retired-secret").status_code == 403
        assert len(self.routed()) == 2

    def test_several_tokens_in_the_query_are_400_even_with_the_right_one(self) -> None:
        for tokens in (["guess-1", SECRET], [SECRET, "guess-2"], ["a", "b", "c", SECRET]):
            request = self.inbound_request()
            request.query = {**request.query, "token": tokens}
            response = self.call(request, token=None)
            assert response.status_code == 400, response.content
            assert response.json()["field"] == "token"
        assert self.routed() == []

    def test_a_header_and_a_different_query_token_are_400(self) -> None:
        for header, query in ((SECRET, "guess"), ("guess", SECRET)):
            request = self.inbound_request()
            request.query = {**request.query, "token": query}
            assert self.call(request, token=header).status_code == 400
        assert self.routed() == []

    def test_the_same_token_in_the_header_and_the_query_is_one_token(self) -> None:
        request = self.inbound_request(text="ping")
        request.query = {**request.query, "token": SECRET}
        assert self.call(request, token=SECRET).status_code == 200
        assert self.routed() == [("+15550000001", "ping")]

    def test_tokens_in_a_form_body_are_never_tried(self) -> None:
        request = self.inbound_request()
        if request.method != "POST" or not isinstance(request.data, dict):
            pytest.skip("this gateway does not post form bodies")
        request.data = {**request.data, "token": ["guess", SECRET]}
        assert self.call(request, token=None).status_code == 403
        assert self.routed() == []

    def test_authentication_runs_before_the_body_is_read(self) -> None:
        response = self.call(self.garbage, token="guess")
        assert response.status_code == 403  # not 400: nothing was parsed

    def test_signature_hook_can_refuse_a_request_with_a_valid_token(self) -> None:
        backend_class = type(self.backend)
        view_path = backend_class.inbound_view
        from django.utils.module_loading import import_string

        view = import_string(view_path) if isinstance(view_path, str) else view_path
        refusing_view = type("RefusingView", (view,), {"verify_signature": lambda s, r: False})
        refusing_backend = type("RefusingBackend", (backend_class,),
                                {"inbound_view": refusing_view, "__module__": __name__})
        self.install(engine=refusing_backend)
        response = self.call(self.inbound_request(), token=SECRET)
        assert response.status_code == 403
        assert "signature" in response.json()["error"]
        assert self.routed() == []

    def test_unsigned_request_is_refused_when_the_gateway_signs(self) -> None:
        if not self.signs:
            pytest.skip("this gateway does not sign its requests")
        response = self.call(self.inbound_request(), sign=False)
        assert response.status_code == 403
        assert self.routed() == []

    def test_status_url_is_secured_too(self) -> None:
        if getattr(type(self.backend), "status_view", None) is None:
            pytest.skip("this gateway has no delivery reports")
        response = self.call(self.status_request(), url_name="status", token=None)
        assert response.status_code == 403
        assert DeliveryReport.objects.count() == 0

    def status_request(self) -> GatewayRequest:
        """Return a delivery report as the gateway posts it (gateways with reports)."""
        raise NotImplementedError


class MalformedInputSuite(InboundSuite):
    """Bad requests get 400 (or 405/413) with a JSON error, never a 500, and route nothing."""

    def assert_refused(self, response: Any, status: int = 400, field: str | None = None) -> None:
        assert response.status_code == status, response.content
        body = response.json()
        assert body["error"]
        if field is not None:
            assert body.get("field") == field, body
        assert self.routed() == []

    def test_missing_identity_names_the_field(self) -> None:
        self.assert_refused(self.call(self.inbound_request(identity=None)),
                            field=self.identity_field)

    def test_missing_text_names_the_field(self) -> None:
        self.assert_refused(self.call(self.inbound_request(text=None)), field=self.text_field)

    def test_garbage_body_is_400(self) -> None:
        self.assert_refused(self.call(self.garbage))

    def test_wrong_method_is_405(self) -> None:
        allowed = type(self.backend).inbound_view
        from django.utils.module_loading import import_string

        view = import_string(allowed) if isinstance(allowed, str) else allowed
        method = "DELETE" if "delete" not in view.http_method_names else "PATCH"
        request = self.inbound_request()
        request.method = method
        assert self.call(request).status_code == 405
        assert self.routed() == []

    def test_oversized_body_is_413(self, settings: Any) -> None:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
        request = self.inbound_request(text="x" * 5000)
        request.method = "POST" if request.method == "GET" else request.method
        response = self.call(request)
        if response.status_code == 405:
            pytest.skip("this gateway only uses GET")
        self.assert_refused(response, status=413)

    @pytest.mark.parametrize("content_type", [
        "multipart/form-data; boundary=limit", "application/octet-stream", "text/plain", "",
    ])
    def test_a_body_over_the_limit_is_413_whatever_its_content_type(
        self, settings: Any, content_type: str
    ) -> None:
        # Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only on bodies it parses,
        # and not on the files of a multipart form.
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
        request = self.inbound_request()
        if request.method == "GET":
            request.method = "POST"
        fields = b"".join(
            b'--limit\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (name.encode(), value.encode())
            for name, value in ((self.identity_field, "+15550000001"), (self.text_field, "ping")))
        request.data = (fields + b'--limit\r\nContent-Disposition: form-data; name="f"; '
                        b'filename="f.bin"\r\n\r\n' + b"x" * 5000 + b"\r\n--limit--\r\n")
        request.content_type = content_type
        response = self.call(request)
        if response.status_code == 405:
            pytest.skip("this gateway only uses GET")
        self.assert_refused(response, status=413)

    def test_impossible_number_is_400_and_not_stored(self) -> None:
        self.install(default_region="US")
        response = self.call(self.inbound_request(identity="not-a-number"))
        self.assert_refused(response, field=self.identity_field)
        assert not Connection.objects.filter(identity__contains="not-a-number").exists()

    @pytest.mark.parametrize("sender", ["alice bob", "alice\tbob", "alice\x1bbob",
                                        "alice\u202ebob", "alice\u2028bob"])
    def test_a_sender_with_white_space_or_a_control_character_is_400_and_not_stored(
            self, sender: str) -> None:
        response = self.call(self.inbound_request(identity=sender))
        self.assert_refused(response, field=self.identity_field)
        assert not Connection.objects.filter(identity__startswith="alice").exists()
        assert self.routed() == []

    def test_number_is_stored_in_e164(self) -> None:
        self.install(default_region="NG")
        response = self.call(self.inbound_request(identity="0803 123 4567", text="ping"))
        assert response.status_code == 200
        assert self.routed() == [("+2348031234567", "ping")]

    def test_nul_character_is_400(self) -> None:
        self.assert_refused(self.call(self.inbound_request(text="pi\x00ng")),
                            field=self.text_field)

    def test_gateway_retry_is_answered_200_and_routed_once(self) -> None:
        if not self.has_external_id:
            pytest.skip("this gateway sends no message id")
        first = self.call(self.inbound_request(text="ping", external_id="retry-1"))
        again = self.call(self.inbound_request(text="ping", external_id="retry-1"))
        other = self.call(self.inbound_request(text="ping", external_id="retry-2"))
        assert (first.status_code, again.status_code, other.status_code) == (200, 200, 200)
        assert len(self.routed()) == 2
        assert ReceivedMessage.objects.filter(external_id="retry-1").count() == 1

    def test_id_seen_before_the_window_is_routed_again(self) -> None:
        if not self.has_external_id:
            pytest.skip("this gateway sends no message id")
        self.install(dedupe_window=60)
        self.call(self.inbound_request(external_id="old-1"))
        from datetime import timedelta

        from django.utils import timezone

        ReceivedMessage.objects.update(received_at=timezone.now() - timedelta(seconds=61))
        assert self.call(self.inbound_request(external_id="old-1")).status_code == 200
        assert len(self.routed()) == 2

    def test_failed_routing_is_503_and_the_retry_is_routed(self, monkeypatch: Any) -> None:
        if not self.has_external_id:
            pytest.skip("this gateway sends no message id")
        calls = []
        original = type(self.router).receive_incoming

        def flaky(router: Any, msg: Any) -> None:
            calls.append(msg.text)
            if len(calls) == 1:
                raise OperationalError("database went away")
            original(router, msg)

        monkeypatch.setattr(type(self.router), "receive_incoming", flaky)
        first = self.call(self.inbound_request(text="ping", external_id="flaky-1"))
        assert first.status_code == 503
        assert first["Retry-After"] == "30"
        again = self.call(self.inbound_request(text="ping", external_id="flaky-1"))
        assert again.status_code == 200
        assert calls == ["ping", "ping"]


def view_class(view: Any) -> Any:
    """Return a backend's ``inbound_view`` or ``status_view`` as a class."""
    from django.utils.module_loading import import_string

    return import_string(view) if isinstance(view, str) else view


#: Exceptions a bug of ours raises: the request is not the sender's fault.
BUGS = [KeyError("missing"), AttributeError("no such attribute"), RuntimeError("bug")]


class FaultSuite(InboundSuite):
    """A fault of ours is 500 (503 when a service is down), logged, and loses nothing.

    Each test makes one step raise while a well-formed request is handled:
    the gateway's parsing (its ``parse_message``, or its form), the claim of
    the gateway's message id, ``receive()``, and for delivery reports the
    parsing and the storing. The answer must be a 5xx with a JSON error, the
    traceback must be logged, nothing may be routed or stored, and the same
    request sent again once the fault is gone must be routed exactly once.
    """

    def parse_targets(self) -> list[tuple[Any, str]]:
        """Return ``(class, method)`` pairs that read a message out of a request."""
        from rapidsms.backends.http.views import BaseHttpBackendView

        view = view_class(type(self.backend).inbound_view)
        if issubclass(view, BaseHttpBackendView):
            return [(view, "get_form"), (view.form_class, "get_incoming_data")]
        return [(view, "parse_message")]

    def intake_targets(self) -> list[tuple[Any, str]]:
        """Return ``(object, attribute)`` pairs that claim or hand over a message."""
        import rapidsms.router
        from rapidsms.backends.inbound import dedupe

        return [(dedupe, "claim"), (rapidsms.router, "receive")]

    def assert_fault(self, response: Any, caplog: Any, status: int = 500) -> None:
        assert response.status_code == status, response.content
        assert response.json()["error"]
        if status == 503:
            assert response["Retry-After"] == "30"
        logged = [record for record in caplog.records
                  if record.name.startswith("rapidsms") and record.levelno >= logging.ERROR]
        assert any(record.exc_info for record in logged), "no traceback was logged"
        assert self.routed() == []

    def inject(self, monkeypatch: Any, owner: Any, name: str, error: BaseException) -> None:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise error

        monkeypatch.setattr(owner, name, fail)

    def assert_retry_is_routed_once(self, monkeypatch: Any, external_id: str) -> None:
        monkeypatch.undo()
        request = self.inbound_request(text="ping", external_id=external_id)
        assert self.call(request).status_code == 200
        if self.has_external_id:
            assert self.call(request).status_code == 200  # a duplicate now
        assert self.routed() == [("+15550000001", "ping")]

    @pytest.mark.parametrize("error", BUGS, ids=lambda error: type(error).__name__)
    def test_a_bug_in_parsing_is_500_and_the_retry_is_routed(
        self, monkeypatch: Any, caplog: Any, error: BaseException
    ) -> None:
        for index, (owner, name) in enumerate(self.parse_targets()):
            caplog.clear()
            with monkeypatch.context() as patch:
                self.inject(patch, owner, name, error)
                response = self.call(self.inbound_request(external_id=f"parse-{index}"))
                self.assert_fault(response, caplog)
            assert not Connection.objects.exists()
        self.assert_retry_is_routed_once(monkeypatch, "parse-0")

    @pytest.mark.parametrize("error", BUGS, ids=lambda error: type(error).__name__)
    def test_a_bug_at_intake_is_500_and_the_retry_is_routed(
        self, monkeypatch: Any, caplog: Any, error: BaseException
    ) -> None:
        for owner, name in self.intake_targets():
            if name == "claim" and not self.has_external_id:
                continue
            caplog.clear()
            with monkeypatch.context() as patch:
                self.inject(patch, owner, name, error)
                response = self.call(self.inbound_request(external_id="intake-1"))
                self.assert_fault(response, caplog)
            assert not ReceivedMessage.objects.exists()
        self.assert_retry_is_routed_once(monkeypatch, "intake-1")

    @pytest.mark.parametrize("error", [
        OperationalError("could not connect to server"),
        InterfaceError("connection already closed"),
        ConnectionRefusedError(111, "Connection refused"),
    ], ids=lambda error: type(error).__name__)
    def test_a_service_down_at_intake_is_503_with_retry_after(
        self, monkeypatch: Any, caplog: Any, error: BaseException
    ) -> None:
        for owner, name in self.intake_targets():
            if name == "claim" and not self.has_external_id:
                continue
            caplog.clear()
            with monkeypatch.context() as patch:
                self.inject(patch, owner, name, error)
                response = self.call(self.inbound_request(external_id="down-1"))
                self.assert_fault(response, caplog, status=503)
        self.assert_retry_is_routed_once(monkeypatch, "down-1")

    def test_a_broker_down_at_intake_is_503_with_retry_after(
        self, monkeypatch: Any, caplog: Any
    ) -> None:
        broker = pytest.importorskip("kombu.exceptions")
        import rapidsms.router

        self.inject(monkeypatch, rapidsms.router, "receive",
                    broker.OperationalError("Error 111 connecting to 127.0.0.1:6379"))
        self.assert_fault(self.call(self.inbound_request()), caplog, status=503)

    @pytest.mark.services
    @pytest.mark.parametrize("router_kind", ["blocking", "durable"])
    @pytest.mark.parametrize("outage", ["refused", "terminated"])
    def test_a_real_database_outage_is_503_with_retry_after_on_every_url(
        self, transactional_db: None, settings: Any, router_kind: str, outage: str
    ) -> None:
        """PostgreSQL down (connections refused) or gone mid-connection: 503, then routed."""
        from django.db import connection

        from tests.durable.pipeline import require_postgresql

        require_postgresql("a database outage needs a server database")
        if router_kind == "durable":
            from rapidsms.router.db.router import DatabaseRouter

            settings.CELERY_TASK_ALWAYS_EAGER = True
            durable = DatabaseRouter(apps=[], backends=settings.INSTALLED_BACKENDS)
            settings.RAPIDSMS_ROUTER = durable
        urls = [("inbound", lambda: self.inbound_request(text="ping", external_id="out-1"))]
        if getattr(type(self.backend), "status_view", None) is not None:
            urls.append(("status", self.status_request))
        for url_name, make_request in urls:
            request = make_request()  # built first: a status request may write rows
            # A terminated connection fails the one request that uses it; Django
            # opens a new one for the next. A server that is down fails them all.
            tries = 3 if outage == "refused" else 1
            with database_outage(connection, outage):
                answers = [self.call(request, url_name=url_name) for _ in range(tries)]
            for answer in answers:
                assert answer.status_code == 503, (url_name, answer.content)
                assert answer["Retry-After"] == "30", url_name
                assert "again later" in answer.json()["error"]
            assert self.call(make_request(), url_name=url_name).status_code == 200

    @pytest.mark.parametrize("error", BUGS, ids=lambda error: type(error).__name__)
    def test_a_bug_with_a_delivery_report_is_500_and_nothing_is_stored(
        self, monkeypatch: Any, caplog: Any, error: BaseException
    ) -> None:
        status_view = getattr(type(self.backend), "status_view", None)
        if status_view is None:
            pytest.skip("this gateway has no delivery reports")
        import rapidsms.backends.inbound.views as inbound_views

        for owner, name in [(view_class(status_view), "parse_report"),
                            (inbound_views, "record_delivery_report")]:
            caplog.clear()
            with monkeypatch.context() as patch:
                self.inject(patch, owner, name, error)
                response = self.call(self.status_request(), url_name="status")
                self.assert_fault(response, caplog)
            assert not DeliveryReport.objects.exists()
        assert self.call(self.status_request(), url_name="status").status_code == 200
        assert DeliveryReport.objects.count() == 1

    def status_request(self) -> GatewayRequest:
        """Return a delivery report as the gateway posts it (gateways with reports)."""
        raise NotImplementedError


@contextmanager
def database_outage(connection: Any, how: str) -> Iterator[None]:
    """Make the database unreachable for the code under test, then bring it back.

    ``refused``: nothing listens where the connection goes (a server that
    is down). ``terminated``: the server ends the open connection (a
    restart, a failover), so the next queries find it closed.
    """
    original = dict(connection.settings_dict)
    if how == "refused":
        connection.close()
        connection.settings_dict["PORT"] = str(unused_port())
    else:
        import psycopg

        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        with psycopg.connect(host=original["HOST"], port=original["PORT"],
                             user=original["USER"], password=original["PASSWORD"],
                             dbname=connection.settings_dict["NAME"], autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(original)


class ContractSuite(GatewaySuite):
    """Outgoing promises, tested against the fake gateway over real HTTP.

    Hooks: :meth:`outgoing_options` (options that point the backend at
    ``url``), :meth:`sent_identities` and :meth:`sent_text` (read a recorded
    request). ``per_identity_requests``: the gateway gets one request per
    recipient, so a partial failure names exactly the failed recipient.
    ``secret_options``: options holding secrets that must never be logged.
    """

    per_identity_requests = True
    secret_options: dict[str, Any] = {}

    def outgoing_options(self, url: str) -> dict[str, Any]:
        raise NotImplementedError

    def sent_identities(self, request: RecordedRequest) -> list[str]:
        raise NotImplementedError

    def sent_text(self, request: RecordedRequest) -> str:
        raise NotImplementedError

    def install_outgoing(self, url: str | None = None, **overrides: Any) -> Any:
        options = {**self.outgoing_options(url or self.gateway.url), **self.secret_options,
                   "read_timeout": 2, **overrides}
        return self.install(**options)

    def send_to(self, identities: list[str], text: str = "hello") -> Any:
        connections = lookup_connections(self.backend_name, identities)
        return send(text, connections)

    def test_one_send_per_message_reaches_every_identity_once(self, monkeypatch: Any) -> None:
        self.install_outgoing()
        calls = []
        original = type(self.backend).send

        def counting(backend: Any, *args: Any, **kwargs: Any) -> None:
            calls.append(kwargs.get("identities", args[2] if len(args) > 2 else None))
            original(backend, *args, **kwargs)

        monkeypatch.setattr(type(self.backend), "send", counting)
        self.send_to(["+15550000001", "+15550000002", "+15550000001"], "hello all")
        assert len(calls) == 1
        reached = [i for request in self.gateway.requests for i in self.sent_identities(request)]
        assert sorted(reached) == ["+15550000001", "+15550000002"]
        assert {self.sent_text(request) for request in self.gateway.requests} == {"hello all"}

    def test_user_agent_names_the_project(self) -> None:
        self.install_outgoing()
        self.send_to(["+15550000001"])
        assert self.gateway.requests[0].headers["user-agent"].startswith("rapidsms/")

    def test_text_in_any_alphabet_arrives_unchanged(self) -> None:
        self.install_outgoing()
        text = "Ẹ ku àárọ̀ — здравствуйте 你好 👋🏽"
        self.send_to(["+15550000001"], text)
        assert self.sent_text(self.gateway.requests[0]) == text

    def test_partial_failure_names_only_the_failed_identity(self) -> None:
        if not self.per_identity_requests:
            pytest.skip("this gateway sends all recipients in one request")
        self.install_outgoing()
        self.gateway.answer = lambda request: (
            Answer(400, "invalid number") if "+15550000002" in self.sent_identities(request)
            else Answer()
        )
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001", "+15550000002", "+15550000003"], {})
        assert caught.value.failed_identities == ["+15550000002"]
        assert caught.value.retryable is False
        assert len(self.gateway.requests) == 3

    @pytest.mark.parametrize("bad", ["+1555 0000002", "+15550000002\n+15550000003",
                                     "+15550000002\x00", "+15550000002\u202e", ""])
    def test_a_recipient_with_white_space_or_a_control_character_fails_alone(
            self, bad: str) -> None:
        self.install_outgoing()
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001", bad, "+15550000004"], {})
        assert caught.value.failed_identities == [bad]
        assert caught.value.retryable is False
        reached = [i for request in self.gateway.requests for i in self.sent_identities(request)]
        assert sorted(reached) == ["+15550000001", "+15550000004"]

    @pytest.mark.parametrize("status, retryable", [(500, True), (503, True), (429, True),
                                                   (400, False), (401, False), (404, False)])
    def test_gateway_error_status(self, status: int, retryable: bool) -> None:
        self.install_outgoing()
        self.gateway.answer = lambda request: Answer(status, "no")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        assert caught.value.failed_identities == ["+15550000001"]
        assert caught.value.retryable is retryable
        assert caught.value.backend == self.backend_name
        assert str(status) in str(caught.value)

    def test_read_timeout_is_not_retried(self) -> None:
        self.install_outgoing(read_timeout=0.2)
        self.gateway.answer = lambda request: Answer(delay=1.0)
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is False
        assert caught.value.failed_identities == ["+15550000001"]
        assert "did not answer within 0.2 s" in str(caught.value)

    def test_dropped_connection_after_sending_is_not_retried(self) -> None:
        self.install_outgoing()
        self.gateway.answer = lambda request: Answer(drop=True)
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is False

    def test_refused_connection_is_retryable(self) -> None:
        self.install_outgoing(url=f"http://127.0.0.1:{unused_port()}/send")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is True
        assert caught.value.failed_identities == ["+15550000001"]

    def test_secrets_never_reach_logs_or_errors(self, caplog: Any) -> None:
        self.install_outgoing()
        secrets = [SECRET, *self.backend.secret_values()]
        self.gateway.answer = lambda request: Answer(
            500, "echo: " + request.body.decode("utf-8", "replace") + str(request.query))
        caplog.set_level(logging.DEBUG, logger="rapidsms")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        text = caplog.text + str(caught.value)
        for secret in secrets:
            if len(secret) >= 4:
                assert secret not in text


class DeliveryReportSuite(GatewaySuite):
    """Delivery reports are stored, normalised and signalled, known message or not.

    Hook: ``status_request(message_id, identity, raw_status)`` and
    ``status_cases`` (gateway status word -> our status).
    """

    status_cases: dict[str, str] = {}

    def status_request(self, message_id: str = "m-1", identity: str = "+15550000001",
                       raw_status: str = "delivered") -> GatewayRequest:
        raise NotImplementedError

    def test_report_is_stored_and_signalled(self) -> None:
        received = []

        def receiver(sender: Any, **kwargs: Any) -> None:
            received.append(kwargs)

        delivery_report.connect(receiver)
        try:
            for raw_status in self.status_cases:
                response = self.call(self.status_request(raw_status=raw_status),
                                     url_name="status")
                assert response.status_code == 200, response.content
        finally:
            delivery_report.disconnect(receiver)
        assert [r["status"] for r in received] == list(self.status_cases.values())
        assert {(r["message_id"], r["identity"], r["backend"]) for r in received} == {
            ("m-1", "+15550000001", self.backend_name)}
        stored = list(DeliveryReport.objects.values_list("status", "raw_status"))
        assert stored == list(zip(self.status_cases.values(), self.status_cases, strict=True))

    def test_report_for_an_unknown_message_is_kept(self) -> None:
        response = self.call(self.status_request(message_id="never-sent"), url_name="status")
        assert response.status_code == 200
        assert DeliveryReport.objects.get().message_id == "never-sent"

    def test_failing_receiver_does_not_lose_the_report(self) -> None:
        def broken(sender: Any, **kwargs: Any) -> None:
            raise RuntimeError("receiver bug")

        delivery_report.connect(broken)
        try:
            response = self.call(self.status_request(), url_name="status")
        finally:
            delivery_report.disconnect(broken)
        assert response.status_code == 200
        assert DeliveryReport.objects.count() == 1
