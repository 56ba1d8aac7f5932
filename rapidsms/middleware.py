"""Answer 400 to a request whose declared charset Django cannot read, on every URL.

Django reads the query string as soon as a ``Content-Type`` names a charset,
while it builds the request object, before any middleware or view runs.
Some charsets Python knows make that step raise: ``idna`` and ``punycode``
raise ``UnicodeError``, ``base64`` or ``rot13`` (not text encodings) raise
``LookupError``, and too many query fields raise too. The server then
answers 500, and gunicorn writes the full URL, ``token`` included, to its
error log. The body of a multipart form is read in the same charset later.

Two parts protect a project:

* :func:`set_aside_unreadable_charset`, a receiver of Django's
  ``request_started`` signal, which runs before the request object is
  built: it takes such a charset out of the request's ``Content-Type``, so
  that building the request cannot fail, and notes why in the request's
  ``META`` (see :func:`unreadable_request`). It is connected when this
  module is imported: by this middleware, by the ``rapidsms.backends.inbound``
  app, and by the inbound views, which refuse such a request themselves.
* :class:`RequestEncodingMiddleware`, which answers every such request
  ``400`` with a JSON error, on the project's pages too. Put it first in
  ``MIDDLEWARE``::

      MIDDLEWARE = [
          "rapidsms.middleware.RequestEncodingMiddleware",
          "django.middleware.security.SecurityMiddleware",
          ...
      ]
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Callable
from typing import Any

from django.core.signals import request_started
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict

#: Where the reason a request could not be read is kept (``request.META``,
#: or the ASGI scope).
UNREADABLE_REQUEST = "rapidsms.unreadable_request"

_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([^\";]*)\"?", re.IGNORECASE)

#: Bytes a sender may put in a query or a form: every byte value, and the
#: shapes that make the IDNA and Punycode codecs raise (empty labels, a
#: label longer than 63 characters, non-ASCII after the last hyphen).
_SAMPLES = (bytes(range(256)), b"token=abc&text=%C3%A9%FF", b"a..b", b"x" * 100, b"a-\xff",
            b"xn--", b"-", b"")


class RequestEncodingMiddleware:
    """Answer 400 to a request whose charset or query string Django cannot read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = unreadable_request(request)
        if reason is not None:
            return JsonResponse({"error": reason}, status=400)
        return self.get_response(request)


def unreadable_request(request: HttpRequest) -> str | None:
    """Return why ``request`` could not be read as its sender declared, or None."""
    reason = request.META.get(UNREADABLE_REQUEST)
    if reason is None:
        reason = (getattr(request, "scope", None) or {}).get(UNREADABLE_REQUEST)
    return reason


def charset_problem(charset: str) -> str | None:
    """Return why Django cannot read a request in ``charset``, or None when it can.

    An unknown name is no problem: Django ignores it and reads UTF-8.
    """
    return _charset_problem(charset.strip()[:100])


@functools.lru_cache(maxsize=256)
def _charset_problem(charset: str) -> str | None:
    shown = repr(charset[:40])
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        return None
    except (ValueError, TypeError):  # a NUL in the name; Django does not expect it
        return f"The charset {shown} of the Content-Type cannot be read."
    if not getattr(codec, "_is_text_encoding", True):
        return f"The charset {shown} of the Content-Type is not a text encoding."
    for sample in _SAMPLES:
        try:
            sample.decode(codec.name, "replace")  # how Django reads form fields
            try:
                sample.decode(codec.name)  # how it reads the query string
            except UnicodeDecodeError:
                pass  # Django reads the query as ISO-8859-1 then
        except Exception:  # noqa: BLE001  (whatever a codec raises, Django would not catch it)
            return f"The charset {shown} of the Content-Type cannot be used to read a request."
    return None


def query_problem(query: bytes, charset: str) -> str | None:
    """Return why Django cannot read ``query`` in ``charset`` (too many fields), or None."""
    try:
        QueryDict(query, encoding=charset)
    except Exception:  # noqa: BLE001  (the sender's query; Django would not catch it here)
        return "The query string cannot be read (too many fields, or not in its charset)."
    return None


def request_problem(content_type: str, query: bytes) -> str | None:
    """Return why Django cannot build a request with ``content_type`` and ``query``, or None.

    Without a charset Django reads the query only when asked, and handles
    its own errors then.
    """
    match = _CHARSET.search(content_type)
    if match is None:
        return None
    charset = match.group(1).strip()
    problem = charset_problem(charset)
    if problem is None and _known(charset):
        problem = query_problem(query, charset)
    return problem


def set_aside_unreadable_charset(sender: Any, environ: dict[str, Any] | None = None,
                                 scope: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Take an unreadable charset out of the request's Content-Type and note why.

    Connected to ``request_started``, which Django sends with the WSGI
    ``environ`` (or the ASGI ``scope``) before it builds the request.
    """
    if environ is not None:
        content_type = str(environ.get("CONTENT_TYPE", ""))
        query = str(environ.get("QUERY_STRING", "")).encode("iso-8859-1", "replace")
        problem = request_problem(content_type, query)
        if problem is not None:
            environ["CONTENT_TYPE"] = _CHARSET.sub("", content_type)
            environ[UNREADABLE_REQUEST] = problem
    elif scope is not None and scope.get("type") == "http":
        headers = list(scope.get("headers") or [])
        for index, (name, value) in enumerate(headers):
            if name.lower() != b"content-type":
                continue
            content_type = value.decode("latin-1")
            problem = request_problem(content_type, scope.get("query_string") or b"")
            if problem is not None:
                headers[index] = (name, _CHARSET.sub("", content_type).encode("latin-1"))
                scope["headers"] = headers
                scope[UNREADABLE_REQUEST] = problem


def _known(charset: str) -> bool:
    try:
        codecs.lookup(charset)
    except (LookupError, ValueError, TypeError):
        return False
    return True


request_started.connect(set_aside_unreadable_charset,
                        dispatch_uid="rapidsms.middleware.set_aside_unreadable_charset")
