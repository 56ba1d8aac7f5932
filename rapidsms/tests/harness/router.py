"""Routers for tests."""

from rapidsms.router.test.router import TestRouter

#: The RapidSMS 1.x name of :class:`TestRouter`.
MockRouter = TestRouter

__all__ = ["TestRouter", "MockRouter"]
