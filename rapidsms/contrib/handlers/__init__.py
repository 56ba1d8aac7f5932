"""Handlers: small classes that answer messages matching a keyword or a pattern.

Add ``"rapidsms.contrib.handlers"`` to ``INSTALLED_APPS`` and list the handler
classes, in the order they should be tried, in ``RAPIDSMS_HANDLERS``::

    RAPIDSMS_HANDLERS = [
        "rapidsms.contrib.echo.handlers.echo.EchoHandler",
        "myproject.clinics.handlers.ReportHandler",
    ]
"""

from rapidsms.contrib.handlers.exceptions import HandlerError
from rapidsms.contrib.handlers.handlers.base import BaseHandler
from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler
from rapidsms.contrib.handlers.handlers.pattern import PatternHandler

__all__ = ["BaseHandler", "KeywordHandler", "PatternHandler", "HandlerError"]
