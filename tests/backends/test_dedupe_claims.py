"""A message whose first copy was never routed is not lost to de-duplication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapidsms.backends.inbound import dedupe
from rapidsms.backends.inbound.models import ReceivedMessage

WINDOW = timedelta(hours=1)
MESSAGE = {"identity": "+15550001", "text": "echo again", "id": "lost-1"}
BACKENDS = {
    "gw": {
        "ENGINE": "rapidsms.backends.http.GenericHttpBackend",
        "url": "http://127.0.0.1:9/send",
        "inbound_secrets": ["s3cret"],
        "inbound_params": {"id_name": "id"},
    },
    "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
}


@pytest.mark.django_db
def test_routed_claim_makes_a_retry_a_duplicate():
    claimed = dedupe.claim("gw", "m1", WINDOW)
    dedupe.mark_routed("gw", "m1", claimed)
    assert dedupe.claim("gw", "m1", WINDOW) is None


@pytest.mark.django_db
def test_a_fresh_unrouted_claim_asks_the_retry_to_come_back_later():
    dedupe.claim("gw", "m2", WINDOW)
    with pytest.raises(dedupe.ClaimInProgress):
        dedupe.claim("gw", "m2", WINDOW)


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_dead_process_is_taken_over():
    # The process that claimed m3 died before routing it: the claim is old and unrouted.
    ReceivedMessage.objects.create(
        backend="gw", external_id="m3", received_at=timezone.now() - dedupe.STALE_CLAIM * 2
    )
    assert dedupe.claim("gw", "m3", WINDOW) is not None


def test_the_inbound_view_routes_a_retry_of_an_abandoned_message(client, mount):
    router = mount(BACKENDS)
    # The process that claimed lost-1 died before routing it, ten minutes ago.
    ReceivedMessage.objects.create(
        backend="gw", external_id="lost-1", received_at=timezone.now() - timedelta(minutes=10)
    )
    response = client.post("/backends/gw/?token=s3cret", MESSAGE)
    assert response.status_code == 200, response.content
    assert ReceivedMessage.objects.get(backend="gw", external_id="lost-1").routed_at is not None
    assert client.post("/backends/gw/?token=s3cret", MESSAGE).status_code == 200
    assert [msg.fields.get("external_id") for msg in router.inbound] == ["lost-1"]
