"""The public messaging API: ``receive``, ``send``, ``lookup_connections``, ``get_router``."""

from rapidsms.router.api import get_router, lookup_connections, receive, send

__all__ = ["get_router", "receive", "send", "lookup_connections"]
