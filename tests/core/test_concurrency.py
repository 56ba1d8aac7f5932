"""Connections looked up by several processes' threads at once (PostgreSQL only)."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections

from rapidsms.models import Backend, Connection
from rapidsms.router import lookup_connections

THREADS = 8


def require_postgresql() -> None:
    if connection.vendor == "postgresql":
        return
    reason = ("needs PostgreSQL: SQLite in memory has one connection, so threads cannot race; "
              "set DATABASE_URL=postgres://... to run it")
    if os.environ.get("RAPIDSMS_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.mark.django_db(transaction=True)
def test_the_same_new_identity_from_many_threads_makes_one_connection():
    require_postgresql()
    start = threading.Barrier(THREADS)
    results: list[int] = []
    failures: list[BaseException] = []

    def look_up() -> None:
        try:
            start.wait(timeout=10)
            [conn] = lookup_connections("race", ["+15550001"])
            results.append(conn.pk)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()  # this thread's database connection

    threads = [threading.Thread(target=look_up) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert len(results) == THREADS
    assert Backend.objects.filter(name="race").count() == 1
    [only] = Connection.objects.filter(backend__name="race", identity="+15550001")
    assert set(results) == {only.pk}
