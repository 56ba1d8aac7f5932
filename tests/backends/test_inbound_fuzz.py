"""Random and hostile requests to the inbound views: never a 5xx, never a stray message.

Django's test client re-raises any exception a view lets escape, so an
unhandled exception fails these tests as well as a 5xx does.
"""

from __future__ import annotations

import codecs
import encodings
import encodings.aliases
import json
import pkgutil
import sys
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rapidsms.backends.inbound.models import DeliveryReport

SECRET = "fuzz-secret-0123456789"
ENGINE = "rapidsms.backends.http.GenericHttpBackend"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(["identity", "text", "id", "status", "message_id", "token",
                               "error", "external_id"]) | st.text(max_size=8)
field_values = (
    st.text(max_size=40)
    | st.sampled_from(["+15550000001", "0803 123 4567", "ping", "\x00", "\ud800", "",
                       "delivered", "DELIVRD", "x" * 300, "😀" * 50])
)


@st.composite
def bodies(draw: Any) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["near-valid"] * 6 + ["form", "json", "json-any", "bytes",
                                                     "text", "multipart"]))
    if kind == "near-valid":  # the fields a gateway sends, with hostile values
        fields = {
            "identity": draw(st.sampled_from(["+15550000001", "0803 123 4567", "+1 555 000 0002",
                                              "+15550000001"]) | field_values),
            "text": draw(st.text(min_size=1, max_size=200) | field_values),
            "status": draw(st.sampled_from(["delivered", "UNDELIV", "queued"]) | field_values),
            "message_id": draw(field_values),
        }
        if draw(st.booleans()):
            fields["id"] = draw(st.sampled_from(["a", "b", "c"]) | field_values)
        if draw(st.booleans()):
            return json.dumps(fields).encode("utf-8"), "application/json"
        body = urlencode(fields, errors="surrogatepass").encode("ascii")
        return body, "application/x-www-form-urlencoded"
    if kind == "form":
        fields = draw(st.dictionaries(field_names, field_values, max_size=6))
        encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1"]))
        errors = "surrogatepass" if encoding == "utf-8" else "replace"
        body = urlencode(fields, encoding=encoding, errors=errors).encode("ascii")
        return body, "application/x-www-form-urlencoded"
    if kind == "json":
        fields = draw(st.dictionaries(field_names, json_values | field_values, max_size=6))
        return json.dumps(fields).encode("utf-8"), "application/json"
    if kind == "json-any":
        return json.dumps(draw(json_values)).encode("utf-8"), "application/json"
    if kind == "multipart":
        return draw(st.binary(max_size=300)), "multipart/form-data; boundary=xyz"
    content_type = draw(st.sampled_from(["text/plain", "application/xml", "", "application/json",
                                         "application/x-www-form-urlencoded; charset=utf-16"]))
    return draw(st.binary(max_size=600)), content_type


@st.composite
def requests(draw: Any) -> dict[str, Any]:
    body, content_type = draw(bodies())
    token = draw(st.sampled_from(["none", "wrong", "header", "header", "query", "query",
                                  "both-wrong-first"]))
    return {
        "method": draw(st.sampled_from(["POST"] * 6 + ["GET", "PUT", "DELETE", "PATCH", "HEAD",
                                                       "OPTIONS"])),
        "url_name": draw(st.sampled_from(["inbound", "inbound", "status"])),
        "body": body,
        "content_type": content_type,
        "query": draw(st.dictionaries(field_names, field_values, max_size=4)),
        "headers": draw(st.dictionaries(
            st.sampled_from(["X-Forwarded-For", "Accept", "X-RapidSMS-Token", "User-Agent",
                             "Content-Encoding", "X-Twilio-Signature"]),
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=40),
            max_size=3)),
        "token": token,
    }


@pytest.fixture
def fuzz_target(mount: Any) -> Any:
    return mount({"gw": {"ENGINE": ENGINE, "inbound_secrets": [SECRET], "default_region": "NG",
                         "inbound_params": {"id_name": "id"}}})


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=requests())
def test_hostile_requests_never_fail_and_never_route_when_refused(
    fuzz_target: Any, request: dict[str, Any]
) -> None:
    router = fuzz_target
    client = Client()
    before_messages = len(router.inbound)
    before_reports = DeliveryReport.objects.count()
    path = "/backends/gw/" + ("status/" if request["url_name"] == "status" else "")
    query = dict(request["query"])
    headers = dict(request["headers"])
    authorised = False
    headers.pop("X-RapidSMS-Token", None)
    query.pop("token", None)
    if request["token"] == "header":
        headers["X-RapidSMS-Token"] = SECRET
        authorised = True
    elif request["token"] == "query":
        query["token"] = SECRET
        authorised = True
    elif request["token"] == "wrong":
        headers["X-RapidSMS-Token"] = SECRET[:-1]
    elif request["token"] == "both-wrong-first":
        headers["X-RapidSMS-Token"] = "nope"
        query["token"] = SECRET
        authorised = True
    url = path + ("?" + urlencode(query, errors="surrogatepass") if query else "")
    response = client.generic(request["method"], url, data=request["body"],
                              content_type=request["content_type"], headers=headers)
    event(f"{request['url_name']} answered {response.status_code}")
    assert response.status_code < 500, response.content
    if response.status_code != 200:
        assert len(router.inbound) == before_messages
        assert DeliveryReport.objects.count() == before_reports
        if response.status_code not in (405,) and request["method"] != "HEAD":
            assert "error" in response.json()
    if not authorised and request["method"] in ("GET", "POST"):
        assert response.status_code == 403


# Every charset Python ships, on the inbound URLs and on the pages ---------------


def python_codecs() -> list[str]:
    """Return the name of every codec module and alias of Python's ``encodings`` package."""
    names = {module.name for module in pkgutil.iter_modules(encodings.__path__)}
    names |= set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values())
    return sorted(names - {"aliases"})


def distinct_codecs(names: list[str]) -> list[str]:
    """Return one name per codec (an alias reads like its codec); unknown names are kept."""
    seen: dict[str, str] = {}
    for name in names:
        try:
            key = codecs.lookup(name).name
        except LookupError:  # a codec of another platform (mbcs on Windows)
            key = name
        seen.setdefault(key, name)
    return sorted(seen.values())


CODECS = python_codecs()
#: Charsets Django cannot read a request in: not text encodings, or codecs
#: that raise a plain UnicodeError (idna, punycode) or always (undefined).
UNREADABLE = {"base64", "idna", "punycode", "rot13", "undefined", "zlib", "bz2", "hex", "uu"}
#: Pages of each kind: a redirect, a form (CSRF, sessions), a staff page, a JSON one.
PAGES = ["/", "/admin/login/", "/messagelog/", "/store/health/"]


def test_the_codec_list_is_every_codec_python_ships() -> None:
    assert len(CODECS) > 300
    assert UNREADABLE <= set(CODECS)


@pytest.fixture
def escaped_exceptions() -> Any:
    """Collect every exception a view or a middleware lets escape."""
    caught: list[BaseException | None] = []

    def record(sender: Any, **kwargs: Any) -> None:
        caught.append(sys.exc_info()[1])

    got_request_exception.connect(record)
    yield caught
    got_request_exception.disconnect(record)


def send_in_charset(client: Client, method: str, url: str, charset: str,
                    multipart: bool = False) -> Any:
    """Send ``url`` with a query (token included) and a body that declare ``charset``."""
    query = urlencode({"token": SECRET, "identity": "+15550000001", "text": "caf\u00e9",
                       "id": "x-1"})
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    body = b"identity=%2B15550000001&text=caf%C3%A9"
    if multipart:
        content_type = f"multipart/form-data; boundary=xyz; charset={charset}"
        body = (b'--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
                b"caf\xc3\xa9 a..b a-\xff\r\n--xyz--\r\n")
    return client.generic(method, f"{url}?{query}", data=body, content_type=content_type)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_codec_on_the_inbound_urls_is_below_500(
    fuzz_target: Any, escaped_exceptions: list[Any], method: str
) -> None:
    client = Client(raise_request_exception=False)
    for charset in CODECS:
        for url in ("/backends/gw/", "/backends/gw/status/"):
            for multipart in (False, True):
                response = send_in_charset(client, method, url, charset, multipart)
                assert response.status_code < 500, (charset, url, response.content)
                if charset in UNREADABLE:
                    assert response.status_code == 400, (charset, url)
                    assert "charset" in response.json()["error"]
    assert escaped_exceptions == []


@pytest.mark.parametrize("middleware", [True, False], ids=["with-middleware", "without"])
def test_every_codec_on_the_pages_is_below_500(
    db: None, settings: Any, escaped_exceptions: list[Any], middleware: bool
) -> None:
    if middleware:
        settings.MIDDLEWARE = ["rapidsms.middleware.RequestEncodingMiddleware",
                               *settings.MIDDLEWARE]
    client = Client(raise_request_exception=False)
    for charset in distinct_codecs(CODECS):
        for url in PAGES:
            for method, multipart in (("GET", False), ("POST", False), ("POST", True)):
                response = send_in_charset(client, method, url, charset, multipart)
                assert response.status_code < 500, (charset, url, response.content)
                if middleware and charset in UNREADABLE:
                    assert response.status_code == 400, (charset, url)
                    assert "charset" in response.json()["error"]
    assert escaped_exceptions == []
