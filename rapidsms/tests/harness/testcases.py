"""Ready-made test case classes."""

from __future__ import annotations

from django.test import TestCase, TransactionTestCase

from rapidsms.tests.harness.base import LoginMixin, TestRouterMixin
from rapidsms.tests.harness.scripted import TestScriptMixin


class RapidTest(TestRouterMixin, LoginMixin, TestCase):
    """A ``TestCase`` routing through a ``TestRouter`` with a mock backend."""


class RapidTransactionTest(TestRouterMixin, LoginMixin, TransactionTestCase):
    """A ``TransactionTestCase`` routing through a ``TestRouter`` with a mock backend."""


class TestScript(TestScriptMixin, TestCase):
    """A ``TestCase`` for transcripts; see :meth:`TestScriptMixin.runScript`."""
