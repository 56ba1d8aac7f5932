"""Errors of the handlers app."""


class HandlerError(Exception):
    """Raise when a handler class is defined wrongly (no keyword, no pattern)."""
