"""Skip a test whose service is absent, or fail it where the services are required.

A test that needs PostgreSQL (or Redis, or RabbitMQ) calls :func:`missing`
when it is not there: the test is skipped with the reason, unless the
environment sets ``RAPIDSMS_REQUIRE_SERVICES=1`` (as a CI machine with the
services does), which makes it fail instead. Mark such tests
``@pytest.mark.services``; RapidSMS's pytest plugin registers the marker.
"""

from __future__ import annotations

import os

import pytest

#: The environment variable that turns a missing service into a failure.
REQUIRE_SERVICES = "RAPIDSMS_REQUIRE_SERVICES"


def services_required() -> bool:
    """Return True when ``RAPIDSMS_REQUIRE_SERVICES=1``: a missing service fails the test."""
    return os.environ.get(REQUIRE_SERVICES) == "1"


def missing(reason: str) -> None:
    """Skip the test, or fail it under ``RAPIDSMS_REQUIRE_SERVICES=1``."""
    if services_required():
        pytest.fail(f"{reason} ({REQUIRE_SERVICES}=1 requires it)", pytrace=False)
    pytest.skip(reason)


def require_postgresql(why: str) -> None:
    """Skip (or fail) the test unless the database is PostgreSQL; ``why`` says what needs it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        missing(f"This test needs PostgreSQL as the test database: {why}.")
