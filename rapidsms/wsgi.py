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
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([^\";]*)", re.IGNORECASE)


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
    match = _CHARSET.search(environ.get("CONTENT_TYPE", ""))
    if match is None:
        return None  # without a charset Django parses lazily and handles errors itself
    charset = match.group(1).strip()
    try:
        "a".encode(charset)
    except LookupError:
        # An unknown charset is ignored by Django; a known non-text one is not.
        if _is_known_codec(charset):
            return f"The charset {charset[:40]!r} is not a text encoding."
        return None
    except (ValueError, TypeError):
        return "The charset of the Content-Type header cannot be read."
    from django.http import QueryDict

    try:
        QueryDict(environ.get("QUERY_STRING", ""), encoding=charset)
    except Exception:  # noqa: BLE001 - whatever Django would raise, the sender caused it
        return "The query string cannot be read (too many fields or a bad encoding)."
    return None


def _is_known_codec(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return False
    return True
