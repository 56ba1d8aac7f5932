"""The default router: every phase and every send in the calling thread."""

from rapidsms.router.blocking.router import BlockingRouter

__all__ = ["BlockingRouter"]
