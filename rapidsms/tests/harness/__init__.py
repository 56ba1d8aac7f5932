"""The test harness for SMS apps, compatible with RapidSMS 2.x.

Subclass :class:`RapidTest` and call ``self.receive(...)``, or subclass
:class:`TestScript` and play a transcript with ``self.runScript(...)``.
"""

from django.test import TestCase, TransactionTestCase

from rapidsms.tests.harness.app import EchoApp, MockApp
from rapidsms.tests.harness.backend import (
    FailedIdentitiesBackend,
    MockBackend,
    RaisesBackend,
)
from rapidsms.tests.harness.base import (
    CreateDataMixin,
    CustomRouterMixin,
    DatabaseBackendMixin,
    LoginMixin,
    TestRouterMixin,
)
from rapidsms.tests.harness.router import MockRouter, TestRouter
from rapidsms.tests.harness.scripted import TestScriptMixin
from rapidsms.tests.harness.testcases import RapidTest, RapidTransactionTest, TestScript

__all__ = [
    "CreateDataMixin",
    "CustomRouterMixin",
    "DatabaseBackendMixin",
    "EchoApp",
    "FailedIdentitiesBackend",
    "LoginMixin",
    "MockApp",
    "MockBackend",
    "MockRouter",
    "RaisesBackend",
    "RapidTest",
    "RapidTransactionTest",
    "TestRouter",
    "TestRouterMixin",
    "TestScript",
    "TestScriptMixin",
    # Django's, imported here by RapidSMS 2.x.
    "TestCase",
    "TransactionTestCase",
]
