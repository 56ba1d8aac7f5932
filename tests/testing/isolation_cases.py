"""Test cases the isolation tests run themselves, to look at settings before and after.

This module's name does not start with ``test_``, so pytest does not collect
these classes on its own.
"""

from __future__ import annotations

import unittest

from django.conf import settings

from rapidsms.router import get_router
from rapidsms.tests.harness import RapidTest, RapidTransactionTest
from tests.testing.sample_app.app import HelloApp

GREET_HANDLER = "tests.testing.sample_app.handlers.GreetHandler"
# Not a backend class: the router refuses it (a missing module only warns).
BAD_BACKENDS = {"mockbackend": {"ENGINE": "rapidsms.models.Contact"}}


def observe(case: RapidTest) -> dict:
    """Return what ``case`` sees of the settings and the router while it runs."""
    return {
        "router": case.router,
        "get_router": get_router(),
        "INSTALLED_BACKENDS": settings.INSTALLED_BACKENDS,
        "RAPIDSMS_HANDLERS": getattr(settings, "RAPIDSMS_HANDLERS", None),
        "RAPIDSMS_ROUTER": settings.RAPIDSMS_ROUTER,
        "inbound at start": list(case.inbound),
    }


class RecordingCase(RapidTest):
    apps = [HelloApp]
    handlers = [GREET_HANDLER]
    seen: list[dict] = []

    def test_a(self):
        self.seen.append(observe(self))
        self.receive("hello", self.lookup_connections(["1112223333"])[0])

    def test_b(self):
        self.seen.append(observe(self))
        self.receive("hello", self.lookup_connections(["1112223333"])[0])


class RecordingTransactionCase(RapidTransactionTest):
    apps = [HelloApp]
    handlers = [GREET_HANDLER]
    seen: list[dict] = []

    def test_a(self):
        self.seen.append(observe(self))
        self.receive("hello", self.lookup_connections(["1112223333"])[0])

    def test_b(self):
        self.seen.append(observe(self))
        self.receive("hello", self.lookup_connections(["1112223333"])[0])


class FailingCase(RapidTest):
    apps = [HelloApp]

    def test_fails(self):
        self.fail("fails on purpose")

    def test_errors(self):
        raise RuntimeError("errors on purpose")


class SetUpErrorCase(RapidTransactionTest):
    apps = [HelloApp]

    def setUp(self):
        super().setUp()
        raise RuntimeError("setUp fails on purpose")

    def test_never_runs(self):
        raise AssertionError("unreachable")


class BadBackendCase(RapidTest):
    handlers = [GREET_HANDLER]
    backends = BAD_BACKENDS

    def test_never_runs(self):
        raise AssertionError("unreachable")


@unittest.skip("skipped on purpose")
class SkippedBadBackendCase(RapidTest):
    backends = BAD_BACKENDS

    def test_never_runs(self):
        raise AssertionError("unreachable")


class SkippedTestBadBackendCase(RapidTest):
    backends = BAD_BACKENDS

    @unittest.skip("skipped on purpose")
    def test_never_runs(self):
        raise AssertionError("unreachable")


class DebugCase(RapidTest):
    apps = [HelloApp]
    seen: list[dict] = []

    def test_hello(self):
        self.seen.append(observe(self))
        self.receive("hello", self.lookup_connections(["1112223333"])[0])
        self.assertEqual([m["text"] for m in self.sent_messages], ["Hi 1112223333"])
