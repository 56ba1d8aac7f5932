"""``HostileInputSuite``, and the hostile values it sends: never a 5xx, never a stray message.

The values are public so that a gateway's own fuzz tests can use them too:
:func:`hostile_strings`, :data:`HOSTILE_VALUES` (JSON values of the wrong
type or beyond what a column stores), :data:`HOSTILE_JSON` (JSON texts too
deep or too large to build as objects), the hypothesis strategies
:data:`hostile_text`, :func:`deep_json` and :func:`garbage_bodies`, and
:func:`python_codecs` (every charset Python ships).
"""

from __future__ import annotations

import codecs
import encodings
import encodings.aliases
import math
import pkgutil
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapidsms.backends.inbound.models import DeliveryReport, ReceivedMessage
from rapidsms.testing.gateways.base import SECRET, GatewayRequest, InboundSuite


def hostile_strings(secret: str = SECRET) -> list[str]:
    """Return strings that have broken parsers: empty, NUL, surrogates, long, odd numbers, ...

    ``secret`` goes into one of them (``&token=<secret>``), to try to smuggle
    a token through a field.
    """
    return [
        "", " ", "\t\r\n", "\x00", "a\x00b", "\ud800", "x\udfffy", "\ufeff",
        "\u202e+15550000001", "x" * 256, "9" * 300, "\U0001f600" * 80, "%", "%zz", "%00",
        "%ff%fe", "+", "&", "=", "&token=" + secret, "NaN", "Infinity", "-1", "0", "1e999",
        "\u0661\u0662\u0663\u0664", "\u00b2\u00b3", "tel:", "tel:+", "whatsapp:+x",
        "mailto:nobody", "+0", "+" + "9" * 40, "+1 (555) 000-0001 ext. 9", "null", "true", "[]",
        "{}", "<Response/>", "' OR 1=1 --", "../../etc/passwd", "\\", '"', "ack", "nack",
        "delivered", "DELIVRD", "16", "64", "1.5", " 1 ", "%d", "%p", "UTF-16BE", "base64",
        "idna", "undefined", "rot13", "zlib", "utf-7", "ucs-2", "8-BIT", "new", "close",
        "SM" + "0" * 32, "https://example.org/x.jpg",
    ]


#: JSON values of the wrong type or beyond what a column stores.
HOSTILE_VALUES: list[Any] = [
    None, True, 0, -1, 10**40, -(10**4000), 1e308, math.inf, -math.inf, math.nan, 0.1, -0.0, [],
    {}, [math.nan], {"x": math.inf}, ["\x00"], {"\x00": 1}, {"\ud800": "x"}, [[[[]]]],
    {"a": {"b": {"c": None}}},
]
#: JSON texts too deep or too large to build as objects; sizes stay small in memory.
HOSTILE_JSON = [
    "[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000,
    "[" * 900 + "]" * 900, '{"a":' * 400 + "{}" + "}" * 400, "1" * 5000, "-" + "9" * 4400,
    "1e400", "-1e400", "NaN", "-Infinity", '"\\ud800"', '"\\udc00\\ud800"', '"\\u0000"',
    '{"\\u0000": 1}', '{"a": 1, "a": 2}', "[1, 2", '{"a": }', "", " ", "\ufeff{}", "null",
]
#: Charsets no request can be read in: not text encodings, or codecs that
#: always fail (see :mod:`rapidsms.middleware`). A request declaring one is 400.
UNREADABLE_CHARSETS = {"base64", "bz2", "hex", "idna", "punycode", "quopri", "rot-13",
                       "undefined", "uu", "zlib"}

#: Text no database refuses; what a phone can send.
storable_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                        min_size=1, max_size=120)
# Half the time one of the hostile strings: random text rarely hits an edge.
hostile_text = (st.sampled_from(hostile_strings()) | st.sampled_from(hostile_strings())
                | st.text(max_size=40) | st.text(st.characters(codec="latin-1"), max_size=20))


@st.composite
def deep_json(draw: Any) -> str:
    """Draw a JSON text nested 20 to 30,000 levels deep."""
    depth = draw(st.sampled_from([20, 300, 800, 950, 2000, 30_000]))
    inner = draw(st.sampled_from(['"x"', "{}", "[]", '"\\u0000"', "NaN"]))
    if draw(st.booleans()):
        return "[" * depth + inner + "]" * depth
    return '{"k":' * depth + inner + "}" * depth


@st.composite
def garbage_bodies(draw: Any) -> bytes:
    """Draw a body no gateway sends: random bytes, broken or deep JSON, text in UTF-16/32."""
    kind = draw(st.sampled_from(["bytes", "json", "deep", "text"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "json":
        return draw(st.sampled_from(HOSTILE_JSON)).encode("utf-8", "surrogatepass")
    if kind == "deep":
        return draw(deep_json()).encode("utf-8")
    text = draw(st.text(max_size=200))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32"])),
                       "surrogatepass")


def python_codecs() -> list[str]:
    """Return one name of every codec in Python's ``encodings`` package (modules and aliases)."""
    names = {module.name for module in pkgutil.iter_modules(encodings.__path__)}
    names |= set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values())
    distinct: dict[str, str] = {}
    for name in sorted(names - {"aliases"}):
        try:
            distinct.setdefault(codecs.lookup(name).name, name)
        except LookupError:  # a codec of another platform (mbcs on Windows)
            distinct.setdefault(name, name)
    return sorted(distinct.values())


def codec_name(charset: str) -> str | None:
    """Return Python's own name of ``charset``, or None for one it does not know."""
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


class HostileInputSuite(InboundSuite):
    """Hostile requests to the inbound URL: never a 5xx; a refused one routes and stores nothing.

    Hooks: those of the inbound suites (``inbound_request()``,
    ``identity_field``, ``text_field``). :attr:`hostile_examples` sets how
    many random requests hypothesis makes (derandomised: every run sends
    the same ones).
    """

    hostile_examples = 100

    def send_and_check(self, request: GatewayRequest, **call: Any) -> Any:
        """Send ``request``; assert it is below 500 and, when refused, left no trace."""
        before = (len(self.routed()), ReceivedMessage.objects.count(),
                  DeliveryReport.objects.count())
        response = self.call(request, **call)
        assert response.status_code < 500, (request, response.content)
        if response.status_code != 200:
            after = (len(self.routed()), ReceivedMessage.objects.count(),
                     DeliveryReport.objects.count())
            assert after == before, (request, response.status_code)
        return response

    def test_each_hostile_value_alone_in_a_well_formed_request(self) -> None:
        for name in ("identity", "text", "external_id"):
            for index, value in enumerate(hostile_strings()):
                # A gateway id of its own for each request, so none is a duplicate.
                fields = {"external_id": f"hostile-{name}-{index}", name: value}
                routed = len(self.routed())
                try:
                    self.send_and_check(self.inbound_request(**fields))
                except UnicodeEncodeError:
                    continue  # the gateway's format cannot carry this value at all
                if name == "text" and len(self.routed()) > routed:
                    assert self.routed()[-1][1] in (value, value.strip()), value

    @pytest.mark.parametrize("token", ["none", "wrong", "valid"])
    def test_garbage_bodies_with_any_token_are_refused_or_handled(self, token: str) -> None:
        @settings(max_examples=self.hostile_examples, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(body=garbage_bodies(), content_type=st.sampled_from([
            "application/json", "application/x-www-form-urlencoded", "text/plain", "",
            "multipart/form-data; boundary=x", "application/json; charset=utf-16"]))
        def check(body: bytes, content_type: str) -> None:
            request = self.inbound_request()
            request.data = body
            request.content_type = content_type
            if request.method == "GET":
                request.method = "POST"
            secret = {"none": None, "wrong": SECRET[:-1] + "?", "valid": SECRET}[token]
            response = self.send_and_check(request, token=secret)
            if token != "valid" and response.status_code != 405:
                assert response.status_code == 403, response.content

        check()

    def test_every_charset_python_ships_is_below_500_and_unreadable_ones_are_400(self) -> None:
        for charset in python_codecs():
            request = self.inbound_request(external_id=f"charset-{charset}")
            request.content_type = f"{request.content_type or 'text/plain'}; charset={charset}"
            response = self.send_and_check(request)
            # A GET has no body, so its content type (and charset) is not read.
            if request.method != "GET" and codec_name(charset) in UNREADABLE_CHARSETS:
                assert response.status_code == 400, (charset, response.content)
                assert "charset" in response.json()["error"]
