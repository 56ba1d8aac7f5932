"""Errors of the handlers app."""


class HandlerError(Exception):
    """Raise when a handler is defined or installed wrongly.

    For example a ``KeywordHandler`` without a ``keyword``, or a ``handlers``
    module that deprecated discovery cannot read.
    """
