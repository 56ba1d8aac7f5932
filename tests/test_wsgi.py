"""Requests Django cannot build get a 400 from the WSGI wrapper, not a 500."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from django.core.exceptions import TooManyFieldsSent
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application

from rapidsms.middleware import set_aside_unreadable_charset
from rapidsms.wsgi import refuse_unreadable_requests


def call(application, content_type: str, query: str = "", body: bytes = b"a=b"):
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/backends/nowhere/", "QUERY_STRING": query,
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": BytesIO(body), "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "wsgi.url_scheme": "http", "wsgi.errors": BytesIO(),
    }
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    answer["body"] = b"".join(application(environ, start_response))
    return answer


@pytest.mark.django_db
@pytest.mark.parametrize("content_type, query", [
    ("application/x-www-form-urlencoded; charset=base64", "token=x"),
    ("application/x-www-form-urlencoded; charset=rot13", "a=1"),
    ("text/plain; charset=utf-8", "&".join(f"f{n}=1" for n in range(1500))),
])
def test_unbuildable_requests_get_400_and_django_alone_would_raise(content_type, query):
    django_app = get_wsgi_application()
    # Without the safety net rapidsms.middleware connects, Django raises
    # before any middleware runs.
    request_started.disconnect(set_aside_unreadable_charset,
                               dispatch_uid="rapidsms.middleware.set_aside_unreadable_charset")
    try:
        with pytest.raises((LookupError, TooManyFieldsSent)):
            call(django_app, content_type, query)
    finally:
        request_started.connect(set_aside_unreadable_charset,
                                dispatch_uid="rapidsms.middleware.set_aside_unreadable_charset")
    answer = call(refuse_unreadable_requests(django_app), content_type, query)
    assert answer["status"].startswith("400")
    assert "error" in json.loads(answer["body"])


@pytest.mark.django_db
def test_ordinary_requests_pass_through():
    app = refuse_unreadable_requests(get_wsgi_application())
    answer = call(app, "application/x-www-form-urlencoded; charset=utf-8", "a=1")
    assert answer["status"].startswith("404")
    answer = call(app, "application/x-www-form-urlencoded; charset=no-such-charset", "a=1")
    assert answer["status"].startswith("404")
