"""Keep secrets out of error messages, the database and log lines.

A gateway that refuses a request sometimes answers with the request itself:
its headers (``Authorization: Basic <base64 of user:password>``), its query
string (``?username=...&password=...``) or its JSON body. Whatever we quote
of such an answer, in an error, a stored ``last_error``, an event or a log
line, goes through :func:`redact` first, which hides secrets two ways:

By pattern, whatever their value:
    ``Authorization`` and ``Proxy-Authorization`` values, ``Basic``,
    ``Bearer`` and ``Token`` credentials, headers such as
    ``X-RapidSMS-Token``, and ``name=value`` pairs or JSON members whose
    name looks secret (``token``, ``key``, ``secret``, ``password``, ...).
By value:
    every secret of a configured backend (option names that look secret, and
    ``inbound_secrets``), as written, URL-encoded, JSON-escaped, and the
    ``Basic`` encoding of each user and password pair.

Backends add what only they know with :func:`remember_secrets` (the base of
HTTP backends does it for every backend it configures).

Log lines of the package's loggers are redacted by :class:`RedactingFilter`,
which the ``rapidsms`` app installs on them when Django starts. A project
whose own handlers print other loggers can add it to ``LOGGING``::

    LOGGING = {
        "version": 1,
        "filters": {"redact": {"()": "rapidsms.redaction.RedactingFilter"}},
        "handlers": {"console": {"class": "logging.StreamHandler",
                                 "filters": ["redact"]}},
        ...
    }
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "********"

#: Names of options, parameters, headers and JSON members whose values are secrets.
SECRET_NAME = re.compile(
    r"pass|pwd|secret|token|key|auth|signature|credential", re.IGNORECASE
)
#: Option names that hold the user half of a user and password pair.
USER_NAME = re.compile(r"user|login|account|sid", re.IGNORECASE)
#: Secret values shorter than this are not searched for in free text (they
#: would blank out ordinary words); values under secret names are always hidden.
MIN_SECRET_LENGTH = 4

# A credential after an Authorization header, or standing alone after its scheme.
_AUTHORIZATION = re.compile(
    r"""(?P<name>(?:proxy-)?authorization["']?\s*[:=]\s*["']?)"""
    r"""(?P<value>(?:(?:basic|bearer|token|digest)\s+)?[^"'\r\n,}<]+)""",
    re.IGNORECASE,
)
_SCHEME_CREDENTIAL = re.compile(
    r"(?P<name>\b(?:Basic|Bearer|Token)\s+)(?P<value>[A-Za-z0-9+/=._~-]{12,})"
)
# A header line whose name says it carries a secret: X-RapidSMS-Token: ..., Api-Key: ...
_SECRET_HEADER = re.compile(
    r"(?P<name>\b(?:X-[\w-]*|Api-)(?:token|key|secret|signature|auth)[\w-]*\s*:\s*)"
    r"""(?P<value>[^\s"',;}<]+)""",
    re.IGNORECASE,
)
# name=value in a query string or a form, also URL-encoded once (name%3Dvalue).
_SECRET_PARAM = re.compile(
    r"(?P<name>(?<![\w-])[\w.\[\]-]*(?:pass|pwd|secret|token|key|auth|signature|credential)"
    r"[\w.\[\]-]*(?:=|%3D))(?P<value>[^&\s\"'<>#,;]+?)(?=&|%26|[\s\"'<>#,;]|$)",
    re.IGNORECASE,
)
# "name": "value" in JSON or 'name': 'value' in a Python repr.
_SECRET_MEMBER = re.compile(
    r"""(?P<name>(?P<quote>["'])[\w.-]*(?:pass|pwd|secret|token|key|auth|signature|"""
    r"""credential)[\w.-]*(?P=quote)\s*:\s*(?P<open>["']))(?P<value>(?:\\.|(?!(?P=open)).)*)""",
    re.IGNORECASE,
)
_PATTERNS = (_AUTHORIZATION, _SECRET_MEMBER, _SECRET_HEADER, _SCHEME_CREDENTIAL, _SECRET_PARAM)

_remembered: dict[str, frozenset[str]] = {}
_lock = threading.Lock()


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with every secret it holds replaced by ``********``.

    ``secrets`` adds values to hide besides those of the configured
    backends and those found by pattern.
    """
    if not text:
        return text
    text = str(text)
    for value in _search_forms([*secrets, *known_secrets()]):
        text = text.replace(value, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(_hide_value, text)
    return text


def redact_data(data: Any, secrets: Iterable[str] = ()) -> Any:
    """Return a copy of JSON-like ``data`` with secrets hidden (for a stored payload).

    Values under secret-looking keys are replaced whole; every other string
    goes through :func:`redact`.
    """
    secrets = list(secrets)
    if isinstance(data, Mapping):
        return {
            key: REDACTED if _is_secret_name(key) and value not in (None, "")
            else redact_data(value, secrets)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [redact_data(item, secrets) for item in data]
    if isinstance(data, str):
        return redact(data, secrets)
    return data


def remember_secrets(owner: str, values: Iterable[str]) -> None:
    """Hide ``values`` from now on in everything :func:`redact` sees, in this process.

    Call it when a backend is configured (``owner`` is its name; the values
    replace those it gave before), so that errors and log lines written
    away from the backend, by the router or a worker, are redacted too.
    """
    found = frozenset(value for value in values if isinstance(value, str) and value)
    with _lock:
        _remembered[owner] = found


def known_secrets() -> set[str]:
    """Return the secrets of the backends in ``INSTALLED_BACKENDS`` and those remembered."""
    with _lock:
        found = set().union(*_remembered.values())
    try:
        from django.conf import settings

        backends = getattr(settings, "INSTALLED_BACKENDS", None) or {}
    except Exception:  # settings not configured: only what was remembered
        backends = {}
    if isinstance(backends, Mapping):
        for options in backends.values():
            found.update(option_secrets(options))
    return found


def option_secrets(options: Any) -> set[str]:
    """Return the secret values of a backend's options, with Basic encodings of user pairs.

    A value is secret when its option's (or a nested dict key's) name looks
    secret; ``inbound_secrets`` is. Each dict that holds both a user name and
    a secret (``sendsms_user``/``sendsms_pass``, ``username``/``password``,
    ``account_sid``/``auth_token``) also gives its ``Basic`` encoding.
    """
    found: set[str] = set()
    if not isinstance(options, Mapping):
        return found
    users = [value for key, value in options.items()
             if isinstance(value, str) and USER_NAME.search(str(key))]
    for key, value in options.items():
        if isinstance(value, Mapping):
            found.update(option_secrets(value))
        elif _is_secret_name(key):
            values = [value] if isinstance(value, str) else (
                [item for item in value if isinstance(item, str)]
                if isinstance(value, list | tuple) else []
            )
            found.update(values)
            for user in users:
                for password in values:
                    if user != password:
                        found.update(basic_forms(user, password))
    return {value for value in found if value}


def basic_forms(user: str, password: str) -> set[str]:
    """Return how HTTP Basic authentication writes ``user`` and ``password``."""
    raw = f"{user}:{password}".encode()
    return {base64.b64encode(raw).decode("ascii"), base64.urlsafe_b64encode(raw).decode("ascii")}


def secret_forms(secret: str) -> set[str]:
    """Return ``secret`` as written and as it appears URL-encoded or JSON-escaped."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    return forms


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message and traceback before it is written.

    It never drops a record. Add it to a handler in ``LOGGING`` (see the
    module's documentation) to cover loggers outside this package.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to the handler to report
            return True
        safe = redact(message)
        if safe != message:
            record.msg, record.args = safe, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: The package's loggers; :func:`install_logging_filter` puts the filter on each.
PACKAGE_LOGGERS = (
    "rapidsms",
    "rapidsms.backends",
    "rapidsms.backends.africastalking",
    "rapidsms.backends.http",
    "rapidsms.backends.inbound",
    "rapidsms.backends.kannel",
    "rapidsms.backends.rapidpro",
    "rapidsms.backends.rapidpro.sandbox",
    "rapidsms.backends.twilio",
    "rapidsms.backends.vumi",
    "rapidsms.router",
    "rapidsms.router.api",
    "rapidsms.router.db",
    "rapidsms.signals",
    "rapidsms.views",
    "rapidsms.utils.translation",
    "rapidsms.contrib.default.app",
    "rapidsms.contrib.handlers.app",
    "rapidsms.contrib.httptester.storage",
    "rapidsms.contrib.httptester.views",
    "rapidsms.contrib.messagelog.app",
    "rapidsms.contrib.messagelog.status",
    "rapidsms.contrib.messaging.forms",
    "rapidsms.contrib.messaging.views",
    "rapidsms.contrib.optout.app",
    "rapidsms.contrib.registration.views",
)


def install_logging_filter() -> None:
    """Put a :class:`RedactingFilter` on every logger of the package (once each).

    A filter on a logger sees only that logger's records, so each is
    named: those in :data:`PACKAGE_LOGGERS` and any ``rapidsms.*`` logger
    that already exists.
    """
    names = set(PACKAGE_LOGGERS)
    names.update(name for name in list(logging.root.manager.loggerDict)
                 if name == "rapidsms" or name.startswith("rapidsms."))
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def _is_secret_name(name: Any) -> bool:
    return bool(SECRET_NAME.search(str(name)))


def _search_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Return the forms of ``secrets`` worth searching for, longest first."""
    return _forms_of(frozenset(s for s in secrets if isinstance(s, str)))


@functools.lru_cache(maxsize=64)
def _forms_of(secrets: frozenset[str]) -> tuple[str, ...]:
    forms: set[str] = set()
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH:
            forms.update(form for form in secret_forms(secret) if len(form) >= MIN_SECRET_LENGTH)
    return tuple(sorted(forms, key=len, reverse=True))


def _hide_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if not value.strip() or value.strip() == REDACTED:
        return match.group(0)
    return match.group("name") + REDACTED
