"""Routers for tests, and the router mixins at their RapidSMS 2.x import path."""

from rapidsms.router.test.router import TestRouter
from rapidsms.tests.harness.base import CustomRouterMixin, DatabaseBackendMixin, TestRouterMixin

#: The RapidSMS 1.x name of :class:`TestRouter`.
MockRouter = TestRouter

__all__ = [
    "CustomRouterMixin",
    "DatabaseBackendMixin",
    "MockRouter",
    "TestRouter",
    "TestRouterMixin",
]
