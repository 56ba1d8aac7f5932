"""The messaging API of ``rapidsms.router``: receive, send, lookup_connections, get_router."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from rapidsms.messages import ErrorMessage, IncomingMessage, OutgoingMessage
from rapidsms.models import Backend, Connection
from rapidsms.router import get_router, lookup_connections, receive, send
from rapidsms.router.blocking import BlockingRouter
from tests.core.helpers import CountedRouter, make_app


class SpecialIncoming(IncomingMessage):
    """An incoming message class chosen with ``class_=``."""


# receive() ---------------------------------------------------------------


def test_receive_returns_the_message_the_apps_saw(install_router, connection, journal):
    seen = []

    class Spy(make_app("spy", journal)):
        def handle(self, msg):
            seen.append(msg)

    install_router(apps=[Spy])
    msg = receive("hello", connection)
    assert isinstance(msg, IncomingMessage)
    assert seen == [msg]
    assert msg.text == "hello"
    assert msg.connections == [connection]
    assert msg.processed is True


def test_receive_passes_keyword_arguments_to_the_message(install_router, connection):
    install_router()
    original = OutgoingMessage(connections=[connection], text="question?")
    msg = receive(
        "answer",
        connection,
        fields={"external_id": "gw-17", "keyword": "answer"},
        id_="my-id",
        class_=SpecialIncoming,
        in_response_to=original,
    )
    assert type(msg) is SpecialIncoming
    assert msg.id == "my-id"
    assert msg.fields == {"external_id": "gw-17", "keyword": "answer"}
    assert msg.in_response_to is original


def test_receive_sends_the_replies_through_the_connection_backend(install_router, connection,
                                                                   journal):
    router = install_router(apps=[make_app("answer", journal, replies={"handle": "thanks"})])
    msg = receive("hi", connection)
    [call] = router.backends["sms"].calls
    assert (call["text"], call["identities"]) == ("thanks", ["+15550001"])
    assert call["context"] == {"in_response_to": msg.id}


# send() ------------------------------------------------------------------


def test_send_to_a_list_of_connections(install_router):
    router = install_router()
    connections = lookup_connections("sms", ["+15550001", "+15550002"])
    msg = send("hello", connections)
    assert isinstance(msg, OutgoingMessage)
    assert router.backends["sms"].sent() == [("hello", ["+15550001", "+15550002"])]
    assert router.backends["sms"].calls[0]["id_"] == msg.id


def test_send_to_a_queryset_of_connections(install_router):
    router = install_router()
    lookup_connections("sms", ["+15550001", "+15550002", "+15550003"])
    chosen = Connection.objects.filter(identity__in=["+15550003", "+15550001"]).order_by("identity")
    send("to all", chosen)
    assert router.backends["sms"].sent() == [("to all", ["+15550001", "+15550003"])]


def test_send_to_a_queryset_does_not_query_per_connection(install_router,
                                                          django_assert_max_num_queries):
    router = install_router()
    lookup_connections("sms", [f"+1555000{i:02d}" for i in range(30)])
    with django_assert_max_num_queries(2):
        send("bulk", Connection.objects.all())
    assert len(router.backends["sms"].calls[0]["identities"]) == 30


def test_send_to_a_single_connection(install_router, connection):
    router = install_router()
    msg = send("just you", connection)
    assert msg.connections == [connection]
    assert router.backends["sms"].sent() == [("just you", ["+15550001"])]


def test_send_passes_keyword_arguments_to_the_message(install_router, connection):
    router = install_router()
    original = IncomingMessage(connections=[connection], text="hi", fields={"external_id": "x9"})
    msg = send("reply", [connection], class_=ErrorMessage, fields={"a": 1}, id_="out-1",
               in_response_to=original)
    assert type(msg) is ErrorMessage
    assert (msg.id, msg.fields, msg.in_response_to) == ("out-1", {"a": 1}, original)
    assert router.backends["sms"].calls[0]["context"] == {
        "in_response_to": original.id,
        "external_id": "x9",
    }


# lookup_connections() ----------------------------------------------------


def test_lookup_connections_by_backend_name_creates_backend_and_connections(db):
    connections = lookup_connections("new-gateway", ["+15550001", "+15550002"])
    assert [c.identity for c in connections] == ["+15550001", "+15550002"]
    assert all(c.pk for c in connections)
    assert Backend.objects.filter(name="new-gateway").count() == 1
    assert Connection.objects.filter(backend__name="new-gateway").count() == 2


def test_lookup_connections_with_a_backend_row(db):
    backend = Backend.objects.create(name="row")
    [conn] = lookup_connections(backend, ["+15550001"])
    assert conn.backend == backend
    assert Backend.objects.count() == 1


def test_lookup_connections_with_a_backend_object(install_router):
    router = install_router()
    [conn] = lookup_connections(router.backends["sms"], ["+15550001"])
    assert conn.backend.name == "sms"
    assert Connection.objects.get().pk == conn.pk


def test_lookup_connections_reuses_existing_connections_and_keeps_order(db):
    first = lookup_connections("sms", ["+15550002"])[0]
    connections = lookup_connections("sms", ["+15550003", "+15550002", "+15550001"])
    assert [c.identity for c in connections] == ["+15550003", "+15550002", "+15550001"]
    assert connections[1].pk == first.pk
    assert Connection.objects.count() == 3


def test_lookup_connections_takes_a_bare_string_as_one_identity(db):
    connections = lookup_connections("sms", "1112223333")
    assert [c.identity for c in connections] == ["1112223333"]
    assert Connection.objects.count() == 1


def test_lookup_connections_refuses_a_backend_without_a_name(db):
    with pytest.raises(ValueError, match="backend name or Backend"):
        lookup_connections(None, ["+15550001"])
    assert not Connection.objects.exists()


# get_router() ------------------------------------------------------------


def test_get_router_returns_the_same_router_every_time(db):
    router = get_router()
    assert isinstance(router, BlockingRouter)
    assert get_router() is router


def test_get_router_builds_a_new_router_when_the_router_setting_changes(db):
    before = get_router()
    with override_settings(RAPIDSMS_ROUTER="tests.core.helpers.CountedRouter"):
        inside = get_router()
        assert isinstance(inside, CountedRouter)
        assert get_router() is inside
    after = get_router()
    assert type(after) is BlockingRouter
    assert after is not before and after is not inside


def test_get_router_builds_a_new_router_when_the_backends_change(db):
    before = get_router()
    backends = {"other": {"ENGINE": "tests.core.helpers.RecordingBackend"}}
    with override_settings(INSTALLED_BACKENDS=backends):
        inside = get_router()
        assert inside is not before
        assert list(inside.backends) == ["other"]


def test_get_router_returns_a_router_instance_in_the_setting_as_is(settings):
    router = BlockingRouter(apps=[], backends={})
    settings.RAPIDSMS_ROUTER = router
    assert get_router() is router


@pytest.mark.parametrize(
    "path",
    ["rapidsms.router.nowhere.Router", "rapidsms.router.blocking.NoSuchRouter", "notadottedpath"],
)
def test_get_router_with_a_bad_path_is_improperly_configured(settings, path):
    settings.RAPIDSMS_ROUTER = path
    with pytest.raises(ImproperlyConfigured, match="RAPIDSMS_ROUTER"):
        get_router()


def test_get_router_with_a_class_instead_of_a_path_is_improperly_configured(settings):
    settings.RAPIDSMS_ROUTER = BlockingRouter
    with pytest.raises(ImproperlyConfigured, match="dotted path"):
        get_router()
