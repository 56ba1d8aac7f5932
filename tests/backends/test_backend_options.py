"""Options declared on a backend class, read and checked by ``HttpBackendBase.configure()``."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from rapidsms.backends.http_base import HttpBackendBase
from rapidsms.backends.options import URL, Choice, Dict, Flag, Option, Text, one_of
from rapidsms.errors import BackendOptionsError
from rapidsms.router.blocking import BlockingRouter

SECRET = "sk_live_0123456789abcdef"


class AcmeBackend(HttpBackendBase):
    """A gateway with one option of each kind."""

    api_key = Text(required=True, hint="the key from Acme's dashboard")
    username = Text(required=True, quote=False, hint="the account's name")
    sender = Text(expected="a short code or sender id")
    sandbox = Flag()
    api_url = URL("https://api.acme.example/", base=True)
    callback = URL()
    method = Choice(("GET", "POST"), "POST", normalise=str.upper)
    params = Dict()
    code = Option(check=re.compile(r"[A-Z]{2}").fullmatch, expected="two capital letters")

    def configure(self, **options: Any) -> None:
        super().configure(**options)
        if self.sandbox and self.sender:
            raise ImproperlyConfigured(f"Backend {self.name!r}: the sandbox takes no sender.")


def build(**options: Any) -> AcmeBackend:
    return AcmeBackend(None, "acme", **{"api_key": SECRET, "username": "ann", **options})


def test_values_and_defaults_are_stored_under_the_option_names() -> None:
    backend = build(sender="ACME", callback="http://127.0.0.1:9/dlr/", method="get",
                    code="KE")
    assert (backend.api_key, backend.username, backend.sender) == (SECRET, "ann", "ACME")
    assert (backend.sandbox, backend.method, backend.params, backend.code) == (
        False, "GET", {}, "KE")
    # A base URL loses its trailing slash (paths are appended to it); another URL is kept.
    assert (backend.api_url, backend.callback) == ("https://api.acme.example",
                                                   "http://127.0.0.1:9/dlr/")


def test_none_means_not_set() -> None:
    backend = build(sender=None, sandbox=None, api_url=None, method=None)
    assert (backend.sender, backend.sandbox, backend.api_url, backend.method) == (
        None, False, "https://api.acme.example", "POST")


def test_the_class_shows_the_declarations_and_an_unconfigured_backend_the_defaults() -> None:
    assert isinstance(AcmeBackend.api_url, URL)
    assert AcmeBackend.api_url.name == "api_url"
    unconfigured = AcmeBackend.__new__(AcmeBackend)
    assert unconfigured.sandbox is False


@pytest.mark.parametrize("options, option", [
    ({"api_key": None}, "api_key"), ({"username": ""}, "username"), ({"api_key": ""}, "api_key"),
])
def test_a_missing_required_option_is_a_type_error_and_improperly_configured(
        options: dict[str, Any], option: str) -> None:
    with pytest.raises(BackendOptionsError) as caught:
        build(**options)
    # RapidSMS 2.x's configure(**options) raised a TypeError for a missing argument.
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, ImproperlyConfigured)
    hint = AcmeBackend.declared_options()[option].hint
    assert str(caught.value) == (f"Backend 'acme' (AcmeBackend) needs the option {option} "
                                 f"in INSTALLED_BACKENDS: {hint}.")


def test_a_missing_required_option_stops_the_router_as_in_2x(db: Any) -> None:
    with pytest.raises(TypeError, match="api_key"):
        BlockingRouter(apps=[], backends={"acme": {
            "ENGINE": "tests.backends.test_backend_options.AcmeBackend", "USERNAME": "ann"}})


@pytest.mark.parametrize("option, value, expected", [
    ("sender", "", "a short code or sender id"),
    ("sender", 42, "a short code or sender id"),
    ("sandbox", 1, "True or False"),
    ("sandbox", "yes", "True or False"),
    ("api_url", "api.acme.example", "an http:// or https:// URL"),
    ("callback", "ftp://example.org", "an http:// or https:// URL"),
    ("method", "PUT", "'GET' or 'POST'"),
    ("method", 7, "'GET' or 'POST'"),
    ("params", 5, "a dict"),
    ("code", "ke", "two capital letters"),
])
def test_a_bad_value_names_the_backend_the_option_the_value_and_what_was_expected(
        option: str, value: Any, expected: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        build(**{option: value})
    assert not isinstance(caught.value, TypeError)
    assert str(caught.value) == (f"Backend 'acme': option {option} = {value!r} is not valid; "
                                 f"expected {expected}.")


@pytest.mark.parametrize("option", ["api_key", "username"])
def test_a_value_that_may_be_a_secret_is_never_quoted(option: str) -> None:
    # api_key by its name; username because the declaration says so.
    with pytest.raises(ImproperlyConfigured) as caught:
        build(**{option: [SECRET]})
    assert str(caught.value) == (f"Backend 'acme': option {option} is not valid; "
                                 "expected a non-empty string.")


def test_a_dict_option_is_a_copy() -> None:
    params = {"from": "ACME"}
    first, second = build(params=params), build()
    first.params["to"] = "+15550000001"
    assert params == {"from": "ACME"}
    assert second.params == {}


def test_declared_options_are_accepted_and_others_still_refused() -> None:
    assert {"api_key", "sandbox", "code", "read_timeout"} <= AcmeBackend.accepted_options()
    with pytest.raises(ImproperlyConfigured, match=r"'acme'.*apikey.*api_key") as caught:
        build(apikey=SECRET)
    assert isinstance(caught.value, TypeError)


def test_checks_of_several_options_run_after_every_value_is_stored() -> None:
    with pytest.raises(ImproperlyConfigured, match="sandbox takes no sender"):
        build(sandbox=True, sender="ACME")


def test_options_are_read_bases_first_and_a_subclass_can_drop_one() -> None:
    class Child(AcmeBackend):
        region = Choice(("KE", "UG"), "KE")
        callback = None  # this gateway has no callback option

    assert list(Child.declared_options()) == [
        "api_key", "username", "sender", "sandbox", "api_url", "method", "params", "code",
        "region"]
    child = Child(None, "child", api_key=SECRET, username="ann", region="UG")
    assert (child.region, child.api_key) == ("UG", SECRET)
    with pytest.raises(ImproperlyConfigured, match="callback"):
        Child(None, "child", api_key=SECRET, username="ann", callback="http://x/")


def test_the_shared_options_are_still_checked() -> None:
    with pytest.raises(ImproperlyConfigured, match="read_timeout"):
        build(read_timeout=0)
    assert build(read_timeout=3).read_timeout == 3


def test_one_of_lists_choices_as_a_sentence() -> None:
    assert one_of(["x"]) == "'x'"
    assert one_of(["GET", "POST"]) == "'GET' or 'POST'"
    assert one_of(["a", "b", "c"]) == "'a', 'b' or 'c'"


# Reading a gateway's answer -------------------------------------------------------------


def answer(body: str) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = 200, body.encode()
    return response


def test_answer_json_is_none_for_an_answer_that_is_not_json() -> None:
    backend = build()
    assert backend.answer_json(answer('{"sid": "SM1"}')) == {"sid": "SM1"}
    assert backend.answer_json(answer("<html>Bad gateway</html>")) is None
    assert backend.answer_json(answer("")) is None


def test_recipient_entries_match_numbers_written_another_way() -> None:
    entries = [{"to": "254711000001", "id": "a"}, {"to": "+254 711 000 002", "id": "b"},
               "not an entry", {"id": "no number"}, {"to": "+254711000009", "id": "other"}]
    found = build().recipient_entries(
        entries, ["+254711000001", "+254711000002", "+254711000003"], "to")
    assert found == {"+254711000001": {"to": "254711000001", "id": "a"},
                     "+254711000002": {"to": "+254 711 000 002", "id": "b"}}


@pytest.mark.parametrize("entries", [None, "Recipients", 5, {"to": "+254711000001"}])
def test_recipient_entries_of_something_that_is_not_a_list_are_none(entries: Any) -> None:
    assert build().recipient_entries(entries, ["+254711000001"], "to") == {}


def test_an_identity_holding_the_separator_is_refused() -> None:
    class Joined(AcmeBackend):
        identity_separator = ";"

    backend = Joined(None, "joined", api_key=SECRET, username="ann")
    assert backend.check_identity("+15550000001") is None
    assert "separator ';'" in str(backend.check_identity("+15550000001;+15550000002"))
    assert build().check_identity("+15550000001;+15550000002") is None
