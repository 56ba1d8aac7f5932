"""System checks of RAPIDSMS_HANDLERS: each mistake named, with what to write instead."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings

from rapidsms.contrib.handlers import KeywordHandler, PatternHandler
from rapidsms.contrib.handlers.checks import check_handlers

HERE = "tests.contrib.test_handlers_checks"


class GoodKeyword(KeywordHandler):
    keyword = "good"


class SpacedKeyword(KeywordHandler):
    keyword = "send money"


class EscapedKeyword(KeywordHandler):
    keyword = r"send\ money|pay\s+now"


class NoKeyword(KeywordHandler):
    pass


class BrokenKeyword(KeywordHandler):
    keyword = "(unclosed"


class NoPattern(PatternHandler):
    pass


class BrokenPattern(PatternHandler):
    pattern = "[a-"


def ids(handlers):
    with override_settings(RAPIDSMS_HANDLERS=handlers):
        return [message.id for message in check_handlers()]


def test_valid_setting_passes():
    assert ids([f"{HERE}.GoodKeyword", f"{HERE}.EscapedKeyword",
                "rapidsms.contrib.echo.handlers.ping.PingHandler"]) == []


def test_project_settings_pass():
    assert check_handlers() == []


def test_setting_must_be_a_list():
    assert ids("rapidsms.contrib.echo.handlers.ping.PingHandler") == ["handlers.E001"]
    assert ids([42]) == ["handlers.E001"]


def test_unimportable_entry():
    with override_settings(RAPIDSMS_HANDLERS=["myapp.handlers.Missing"]):
        [error] = check_handlers()
    assert error.id == "handlers.E002"
    assert "'myapp.handlers.Missing' cannot be imported" in error.msg


def test_entry_that_is_not_a_handler():
    assert ids(["rapidsms.contrib.handlers.app.App"]) == ["handlers.E003"]


def test_missing_or_invalid_regular_expressions():
    assert ids([f"{HERE}.NoKeyword", f"{HERE}.BrokenKeyword",
                f"{HERE}.NoPattern", f"{HERE}.BrokenPattern"]) == ["handlers.E004"] * 4


def test_whitespace_in_a_keyword_is_a_warning_naming_what_it_matches():
    with override_settings(RAPIDSMS_HANDLERS=[f"{HERE}.SpacedKeyword"]):
        [warning] = check_handlers()
    assert warning.id == "handlers.W002"
    assert "it matches 'sendmoney'" in warning.msg


def test_missing_setting_is_a_deprecation_warning():
    with override_settings():
        del settings.RAPIDSMS_HANDLERS
        [warning] = check_handlers()
    assert warning.id == "handlers.W001"
    assert "RAPIDSMS_HANDLERS = [" in warning.hint
