"""A gateway inbound view with the durable router: the id claimed, the message stored, at once."""

from __future__ import annotations

import types
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.urls import include, path

from rapidsms.backends.inbound.models import ReceivedMessage
from rapidsms.backends.urls import backend_urlpatterns
from rapidsms.router import lookup_connections
from rapidsms.router.db import store
from rapidsms.router.db.models import Message
from rapidsms.router.db.router import DatabaseRouter

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "intake-secret-0123456789abcdef"
BACKENDS = {
    "gw": {
        "ENGINE": "rapidsms.backends.http.GenericHttpBackend",
        "inbound_secrets": [SECRET],
        "inbound_params": {"identity_name": "from", "text_name": "message", "id_name": "msgid"},
    }
}


@pytest.fixture
def durable_gateway(settings: Any) -> DatabaseRouter:
    """The generic HTTP gateway at /backends/gw/, with workers (not eager) behind it."""
    router = DatabaseRouter(apps=["rapidsms.contrib.handlers"], backends=BACKENDS)
    router.wake_incoming_workers = lambda force=False: False
    urlconf = types.ModuleType("durable_gateway_urls")
    urlconf.urlpatterns = [path("backends/", include(backend_urlpatterns(BACKENDS)))]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.INSTALLED_BACKENDS = BACKENDS
    settings.ROOT_URLCONF = urlconf
    settings.RAPIDSMS_ROUTER = router
    lookup_connections("gw", ["+15550001"])  # the connection exists already
    return router


def post(client: Any, msgid: str, text: str = "echo hi") -> Any:
    return client.post(
        "/backends/gw/",
        {"from": "+15550001", "message": text, "msgid": msgid},
        HTTP_X_RAPIDSMS_TOKEN=SECRET,
    )


def test_the_id_and_the_message_are_committed_together_once(durable_gateway, client, monkeypatch):
    commits: list[int] = []
    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: commits.append(1) or real_commit())

    assert post(client, "gw-1").status_code == 200

    # The form's look-up of the connection, the claim, the message and its
    # transmission: one commit (three when they were stored one by one).
    assert len(commits) == 1
    assert Message.objects.filter(direction="I").count() == 1
    claim = ReceivedMessage.objects.get(backend="gw", external_id="gw-1")
    assert claim.routed_at is not None


def test_a_retry_of_a_stored_message_is_answered_and_not_stored_again(durable_gateway, client):
    assert post(client, "gw-2").status_code == 200
    assert post(client, "gw-2").status_code == 200
    assert Message.objects.filter(direction="I").count() == 1


def test_a_message_that_cannot_be_stored_leaves_no_claim_and_its_retry_is_stored(
    durable_gateway, client, monkeypatch
):
    real_save = store.save_incoming

    def database_down(msg: Any) -> Any:
        raise OperationalError("the database went away")

    monkeypatch.setattr(store, "save_incoming", database_down)
    answer = post(client, "gw-3")
    assert answer.status_code == 503
    assert not ReceivedMessage.objects.filter(external_id="gw-3").exists()  # rolled back too

    monkeypatch.setattr(store, "save_incoming", real_save)
    assert post(client, "gw-3").status_code == 200
    assert Message.objects.filter(direction="I").count() == 1
