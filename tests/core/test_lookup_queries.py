"""lookup_connections costs one query when the connections already exist."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapidsms.router import lookup_connections


@pytest.mark.django_db
def test_existing_connections_by_backend_name_take_one_query():
    lookup_connections("gateway", ["+15550001", "+15550002"])
    with CaptureQueriesContext(connection) as queries:
        found = lookup_connections("gateway", ["+15550002", "+15550001"])
        assert [conn.backend.name for conn in found] == ["gateway", "gateway"]
    assert [conn.identity for conn in found] == ["+15550002", "+15550001"]
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_new_identity_on_a_new_backend_is_created_once():
    first = lookup_connections("fresh", ["+15550009"])[0]
    again = lookup_connections("fresh", "+15550009")[0]
    assert first.pk == again.pk
    assert again.backend.name == "fresh"
