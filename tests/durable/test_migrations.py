"""RapidSMS 2.x's message-store tables upgrade in place."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rapidsms.router.db.models import Transmission

OLD = [("db", "0002_auto_20150801_2142")]
NEW = [("db", "0005_durable_store_constraints")]


@pytest.mark.django_db(transaction=True)
def test_rows_written_by_rapidsms_2x_get_the_new_statuses_and_columns():
    executor = MigrationExecutor(connection)
    executor.migrate(OLD)
    old = executor.loader.project_state(OLD).apps
    backend = old.get_model("rapidsms", "Backend").objects.create(name="kannel")
    conn = old.get_model("rapidsms", "Connection").objects.create(
        backend=backend, identity="+15550001"
    )
    message_model = old.get_model("db", "Message")
    transmission_model = old.get_model("db", "Transmission")
    incoming = message_model.objects.create(direction="I", text="echo hi", status="R")
    outgoing = message_model.objects.create(
        direction="O", text="hi", status="E", in_response_to=incoming
    )
    transmission_model.objects.create(message=incoming, connection=conn, status="R")
    transmission_model.objects.create(message=outgoing, connection=conn, status="E")

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(NEW)
        check_upgraded_rows()
    finally:
        # The tests after this one need every table of the latest schema.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def check_upgraded_rows():
    rows = {
        t.direction: (t.status, t.backend, t.identity)
        for t in Transmission.objects.all()
    }
    assert rows == {
        "I": ("handled", "kannel", "+15550001"),
        "O": ("failed", "kannel", "+15550001"),
    }
