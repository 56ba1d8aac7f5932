"""``FaultSuite``: a fault of ours is 500, a service down is 503, and nothing is lost."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError

from rapidsms.backends.inbound.models import DeliveryReport, ReceivedMessage
from rapidsms.models import Connection
from rapidsms.testing.fake_gateway import unused_port
from rapidsms.testing.gateways.base import GatewayRequest, InboundSuite
from rapidsms.testing.services import require_postgresql


def view_class(view: Any) -> Any:
    """Return a backend's ``inbound_view`` or ``status_view`` as a class."""
    from django.utils.module_loading import import_string

    return import_string(view) if isinstance(view, str) else view


#: Exceptions a bug of ours raises: the request is not the sender's fault.
BUGS = [KeyError("missing"), AttributeError("no such attribute"), RuntimeError("bug")]
#: At intake the sender's bytes are decoded already: a UnicodeError there is ours too.
INTAKE_BUGS = [*BUGS, UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")]


class FaultSuite(InboundSuite):
    """A fault of ours is a 5xx, logged, and loses nothing.

    500, or 503 with ``Retry-After`` when a service is down or for a gateway
    that retries only a 503.

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

    def fault_status(self) -> int:
        """Return the answer to a fault of ours: 500, or 503 for a view that asks for it.

        A view sets ``faults_answer_unavailable`` for a gateway that retries
        only a 503 (RapidPro).
        """
        view = view_class(type(self.backend).inbound_view)
        return 503 if getattr(view, "faults_answer_unavailable", False) else 500

    def assert_fault(self, response: Any, caplog: Any, status: int | None = None) -> None:
        status = status or self.fault_status()
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

    @pytest.mark.parametrize("error", INTAKE_BUGS, ids=lambda error: type(error).__name__)
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
