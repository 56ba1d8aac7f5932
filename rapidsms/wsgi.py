"""A WSGI wrapper that answers 400 to requests Django cannot even build.

Django builds its request object before any middleware or view runs. A
``Content-Type`` whose charset is not a text encoding (``charset=base64``)
together with a query string, or too many query fields together with any
charset, makes that step raise, and the WSGI server answers 500. Gateway
URLs face the internet, so wrap the project's application::

    # wsgi.py
    from django.core.wsgi import get_wsgi_application
    from rapidsms.wsgi import refuse_unreadable_requests

    application = refuse_unreadable_requests(get_wsgi_application())

Without the wrapper, :mod:`rapidsms.middleware` protects a project that
imports it (its middleware, the inbound app or the inbound views do).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any


def refuse_unreadable_requests(application: Callable[..., Iterable[bytes]]) -> Callable[..., Any]:
    """Return ``application`` wrapped so an unbuildable request gets a 400 JSON error."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        problem = unreadable_reason(environ)
        if problem is None:
            return application(environ, start_response)
        body = json.dumps({"error": problem}).encode()
        start_response("400 Bad Request", [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ])
        return [body]

    return wrapped


def unreadable_reason(environ: dict[str, Any]) -> str | None:
    """Return why Django could not build a request from ``environ``, or None."""
    from rapidsms.middleware import request_problem

    query = str(environ.get("QUERY_STRING", "")).encode("iso-8859-1", "replace")
    return request_problem(str(environ.get("CONTENT_TYPE", "")), query)
