"""Results per recipient, the table of sent ids and the error family, under the blocking router."""

from __future__ import annotations

import importlib
import io
import pickle
import types
from typing import Any

import pytest
import requests
from django.db import connection as db_connection

from rapidsms.backends.base import BackendBase
from rapidsms.backends.inbound.models import DeliveryReport, SentMessage
from rapidsms.backends.inbound.reports import record_delivery_report
from rapidsms.backends.results import Accepted, Refused, read_results
from rapidsms.backends.signals import delivery_report
from rapidsms.backends.status import Status
from rapidsms.errors import (
    GatewayConnectionError,
    GatewayHTTPError,
    MessageSendingError,
    combine_failures,
    combine_retryable,
    parse_retry_after,
)
from rapidsms.router import get_router, lookup_connections, send

pytestmark = pytest.mark.django_db


class ResultsBackend(BackendBase):
    """Return whatever ``answer`` holds, as a gateway backend of the kit would."""

    answer: Any = None

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> Any:
        return type(self).answer


@pytest.fixture
def results_router(install_router: Any) -> Any:
    ResultsBackend.answer = None
    return install_router(backends={"kit": {"ENGINE": ResultsBackend},
                                    "other": {"ENGINE": ResultsBackend}})


@pytest.fixture
def signalled() -> Any:
    received: list[dict[str, Any]] = []
    delivery_report.connect(lambda sender, **kw: received.append(kw), weak=False,
                            dispatch_uid="test-send-results")
    yield received
    delivery_report.disconnect(dispatch_uid="test-send-results")


def test_a_backend_reports_each_recipient_and_only_the_refused_ones_fail(results_router):
    ResultsBackend.answer = {
        "+15550001": Accepted("gw-1"),
        "+15550002": Refused("busy", retryable=True, retry_after="30"),
        "+15550003": Refused("not a mobile number"),
    }
    with pytest.raises(MessageSendingError) as caught:
        send("hi", lookup_connections("kit", ["+15550001", "+15550002", "+15550003"]))
    error = caught.value
    assert error.failed_identities == ["+15550002", "+15550003"]
    assert error.retryable is False  # one of them can never get it
    assert error.results["+15550002"] == Refused("busy", retryable=True, retry_after=30.0)
    assert "busy" in str(error) and "not a mobile number" in str(error)
    # The accepted one's id is kept for its delivery reports, under the blocking router too.
    assert list(SentMessage.objects.values_list("backend", "gateway_id", "identity")) == [
        ("kit", "gw-1", "+15550001")]


def test_what_a_2x_backend_returns_still_means_everybody_got_it(results_router):
    for answer in (None, True, {}):
        ResultsBackend.answer = answer
        results = get_router().send_to_backend("kit", "m1", "hi", ["+1", "+2"], {})
        assert results == {"+1": Accepted(), "+2": Accepted()}
    assert read_results(["a", "b"], ["+1", "+2"]) == {"+1": Accepted("a"), "+2": Accepted("b")}
    assert SentMessage.objects.count() == 0


def test_a_report_naming_only_the_gateways_id_finds_our_message(results_router, signalled):
    ResultsBackend.answer = {"+15550001": Accepted("SM123")}
    msg = send("hi", lookup_connections("kit", ["+15550001"]))
    backend = get_router().backends["kit"]
    record_delivery_report(backend, DeliveryReport(external_id="SM123",
                                                   status=Status.DELIVERED))
    assert [(r["message_id"], r["identity"], r["status"]) for r in signalled] == [
        (str(msg.id), "+15550001", Status.DELIVERED)]


def test_a_report_that_overtakes_the_answer_is_completed_once_the_id_is_known(
    results_router, signalled
):
    backend = get_router().backends["kit"]
    record_delivery_report(backend, DeliveryReport(external_id="SM9", status=Status.SENT))
    assert DeliveryReport.objects.get().message_id == ""
    ResultsBackend.answer = {"+15550001": Accepted("SM9")}
    get_router().send_to_backend("kit", "m-9", "hi", ["+15550001"], {})
    assert [(r["message_id"], r["identity"]) for r in signalled] == [
        ("", ""), ("m-9", "+15550001")]
    report = DeliveryReport.objects.get()
    assert (report.message_id, report.identity) == ("m-9", "+15550001")


def test_the_same_gateway_id_on_two_backends_names_two_messages(results_router):
    router = get_router()
    ResultsBackend.answer = {"+1": Accepted("same")}
    router.send_to_backend("kit", "m-1", "hi", ["+1"], {})
    router.send_to_backend("other", "m-2", "hi", ["+1"], {})
    router.send_to_backend("kit", "m-3", "hi", ["+1"], {})  # a gateway repeating an id
    assert sorted(SentMessage.objects.values_list("backend", "message_id")) == [
        ("kit", "m-1"), ("other", "m-2")]


def test_vumis_rows_are_carried_into_the_shared_table():
    migration = importlib.import_module(
        "rapidsms.backends.inbound.migrations.0003_sentmessage")
    from django.apps import apps

    from rapidsms.backends.vumi.models import SentMessage as VumiSentMessage

    VumiSentMessage.objects.create(backend="vumi", vumi_id="v-1", message_id="7",
                                   identity="+27821234567")
    SentMessage.objects.create(backend="vumi", gateway_id="v-2", message_id="8", identity="+2")
    migration.copy_vumi_ids(apps, types.SimpleNamespace(connection=db_connection))
    migration.copy_vumi_ids(apps, types.SimpleNamespace(connection=db_connection))  # again
    assert sorted(SentMessage.objects.values_list("gateway_id", "message_id", "identity")) == [
        ("v-1", "7", "+27821234567"), ("v-2", "8", "+2")]


# The error family --------------------------------------------------------------


@pytest.mark.parametrize(("flags", "combined"), [
    ([True, True], True),
    ([True, None], None),  # unknown: nobody can say the whole may succeed
    ([True, False], False),
    ([None, False], False),
    ([], None),
])
def test_one_rule_combines_retryable(flags, combined):
    assert combine_retryable(flags) is combined
    failures = [MessageSendingError("x", [str(i)], retryable=f) for i, f in enumerate(flags)]
    if len(failures) > 1:
        assert combine_failures(failures).retryable is combined


def test_both_routers_and_the_http_base_combine_with_the_one_rule(install_router):
    class Busy(BackendBase):
        def send(self, *args: Any, **kwargs: Any) -> None:
            raise MessageSendingError("busy", retryable=True, retry_after=5)

    class Unknown(BackendBase):
        def send(self, *args: Any, **kwargs: Any) -> None:
            raise MessageSendingError("no idea")

    install_router(backends={"busy": {"ENGINE": Busy}, "unknown": {"ENGINE": Unknown}})
    with pytest.raises(MessageSendingError) as caught:
        send("hi", [*lookup_connections("busy", ["+1"]), *lookup_connections("unknown", ["+2"])])
    assert caught.value.retryable is None
    assert caught.value.retry_after == 5.0
    assert [type(e) for e in caught.value.errors] == [MessageSendingError] * 2


def test_errors_are_what_they_resemble_with_their_fields_set_when_made():
    response = requests.Response()
    response.status_code = 503
    response.headers["Retry-After"] = "12"
    error = GatewayHTTPError("down", ["+1"], backend="gw", retryable=True,
                             retry_after=response.headers["Retry-After"], response=response)
    assert isinstance(error, requests.HTTPError) and isinstance(error, MessageSendingError)
    assert (error.status_code, error.retry_after, error.response) == (503, 12.0, response)
    assert isinstance(GatewayConnectionError("refused"), requests.ConnectionError)
    copy = pickle.loads(pickle.dumps(GatewayHTTPError("down", ["+1"], retryable=True,
                                                      retry_after=3, status_code=503)))
    assert (copy.failed_identities, copy.retryable, copy.retry_after, copy.status_code) == (
        ["+1"], True, 3.0, 503)
    # RapidSMS 2.x's signature and attributes.
    legacy = MessageSendingError("failed", ["+1"])
    assert (legacy.message, legacy.failed_identities, legacy.retryable) == ("failed", ["+1"], None)


def test_one_retry_after_parser_serves_everybody():
    from rapidsms.backends.rapidpro import client
    from rapidsms.router.db import retry

    assert client.parse_retry_after is parse_retry_after is retry.parse_retry_after
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after("nan") is None


def test_rapidsms_prune_forgets_sent_ids_older_than_its_days():
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    SentMessage.objects.create(backend="kit", gateway_id="old", message_id="1", identity="+1",
                               sent_at=timezone.now() - timedelta(days=100))
    SentMessage.objects.create(backend="kit", gateway_id="new", message_id="2", identity="+1")
    call_command("rapidsms_prune", "--days", "90", stdout=io.StringIO())
    assert list(SentMessage.objects.values_list("gateway_id", flat=True)) == ["new"]
