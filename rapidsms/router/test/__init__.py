"""A router for tests that records every message it sees."""

from rapidsms.router.test.router import TestRouter

__all__ = ["TestRouter"]
