"""The admin pages of the message log and the opt-outs render, search and filter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapidsms.contrib.messagelog.models import Message
from rapidsms.contrib.optout.models import OptOut
from rapidsms.models import Backend, Connection, Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    backend = Backend.objects.create(name="kannel")
    amina = Contact.objects.create(name="Amina")
    conn = Connection.objects.create(backend=backend, identity="+15550001", contact=amina)
    loose = Connection.objects.create(backend=backend, identity="+15550002")
    Message.objects.create(connection=conn, direction="I", text="report malaria 12")
    Message.objects.create(connection=loose, direction="O", text="clinic closed")
    OptOut.objects.create(contact=amina, keyword="STOP")
    OptOut.objects.create(connection=loose, keyword="stop")
    return amina, loose


def test_message_log_admin_lists_searches_and_is_read_only(admin_client, rows):
    url = reverse("admin:messagelog_message_changelist")
    page = admin_client.get(url).content.decode()
    assert "report malaria 12" in page and "clinic closed" in page
    page = admin_client.get(url, {"q": "+15550002"}).content.decode()
    assert "clinic closed" in page and "report malaria" not in page
    page = admin_client.get(url, {"direction__exact": "I"}).content.decode()
    assert "report malaria 12" in page and "clinic closed" not in page
    assert admin_client.get(reverse("admin:messagelog_message_add")).status_code == 403
    row = Message.objects.get(direction="I")
    response = admin_client.post(
        reverse("admin:messagelog_message_change", args=[row.pk]), {"text": "changed"}
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.text == "report malaria 12"


def test_optout_admin_lists_and_searches(admin_client, rows):
    url = reverse("admin:optout_optout_changelist")
    page = admin_client.get(url).content.decode()
    assert "Amina" in page and "+15550002 via kannel" in page
    page = admin_client.get(url, {"q": "+15550001"}).content.decode()
    assert "Amina" in page and "+15550002 via kannel" not in page
