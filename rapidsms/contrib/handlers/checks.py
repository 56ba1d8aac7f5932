"""System checks for ``RAPIDSMS_HANDLERS`` (ids ``handlers.E00x`` and ``handlers.W00x``).

A broken handler list would otherwise only show when the router is built:
the handlers app would be left out and every message would get the default
reply. These checks name the entry and say what to write instead.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from rapidsms.contrib.handlers.handlers.base import BaseHandler
from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler, compile_keyword
from rapidsms.contrib.handlers.handlers.pattern import PatternHandler, compile_pattern

# Whitespace that is not escaped: a verbose regular expression drops it.
_LITERAL_SPACE = re.compile(r"(?<!\\)[ \t\n]")

EXAMPLE = "RAPIDSMS_HANDLERS = ['rapidsms.contrib.echo.handlers.echo.EchoHandler']"


@checks.register()
def check_handlers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Return the problems with ``RAPIDSMS_HANDLERS`` and the handlers it lists."""
    if not hasattr(settings, "RAPIDSMS_HANDLERS"):
        return [
            checks.Warning(
                "RAPIDSMS_HANDLERS is not set, so handlers are found by searching every "
                "app's handlers package, which is deprecated.",
                hint=f"List the handler classes to use, in order: {EXAMPLE}",
                id="handlers.W001",
            )
        ]
    paths = settings.RAPIDSMS_HANDLERS
    if isinstance(paths, str) or not isinstance(paths, list | tuple):
        return [
            checks.Error(
                f"RAPIDSMS_HANDLERS must be a list of dotted class paths, not {paths!r}.",
                hint=EXAMPLE,
                id="handlers.E001",
            )
        ]
    problems: list[checks.CheckMessage] = []
    for path in paths:
        problems.extend(_check_entry(path))
    return problems


def _check_entry(path: Any) -> list[checks.CheckMessage]:
    if not isinstance(path, str):
        return [
            checks.Error(
                f"RAPIDSMS_HANDLERS entry {path!r} is not a dotted class path.",
                hint=EXAMPLE,
                id="handlers.E001",
            )
        ]
    try:
        cls = import_string(path)
    except ImportError as exc:
        return [
            checks.Error(
                f"RAPIDSMS_HANDLERS entry {path!r} cannot be imported: {exc}",
                hint="Check the module and class names, and that the app is installed.",
                id="handlers.E002",
            )
        ]
    if not (inspect.isclass(cls) and issubclass(cls, BaseHandler)):
        return [
            checks.Error(
                f"RAPIDSMS_HANDLERS entry {path!r} is not a subclass of "
                "rapidsms.contrib.handlers.BaseHandler.",
                id="handlers.E003",
            )
        ]
    if issubclass(cls, KeywordHandler):
        return _check_regex(path, "keyword", getattr(cls, "keyword", None), compile_keyword)
    if issubclass(cls, PatternHandler):
        return _check_regex(path, "pattern", getattr(cls, "pattern", None), compile_pattern)
    return []


def _check_regex(path: str, attribute: str, value: Any, compile_: Any) -> list[checks.CheckMessage]:
    if isinstance(value, re.Pattern) and attribute == "pattern":
        return []
    if not value or not isinstance(value, str):
        return [
            checks.Error(
                f"{path} has no {attribute}.",
                hint=f"Set {attribute} to a regular expression on the class.",
                id="handlers.E004",
            )
        ]
    try:
        compile_(value)
    except re.error as exc:
        return [
            checks.Error(
                f"The {attribute} of {path}, {value!r}, is not a valid regular expression: {exc}",
                id="handlers.E004",
            )
        ]
    if attribute == "keyword" and _LITERAL_SPACE.search(value):
        squeezed = _LITERAL_SPACE.sub("", value)
        return [
            checks.Warning(
                f"The keyword of {path}, {value!r}, contains whitespace, which keywords "
                "ignore (they are verbose regular expressions): it matches "
                f"{squeezed!r}.",
                hint=r"Write the space as \s+ (any spacing) or '\ ' (one space).",
                id="handlers.W002",
            )
        ]
    return []
