"""``rapidsms.redaction``: secrets found by pattern and by value, and the logging filter."""

from __future__ import annotations

import base64
import logging
import re
from pathlib import Path
from typing import Any

import pytest

import rapidsms
from rapidsms.redaction import (
    PACKAGE_LOGGERS,
    REDACTED,
    RedactingFilter,
    install_logging_filter,
    redact,
    redact_data,
)

BASIC = base64.b64encode(b"AC0123:s3cr3t-token-value").decode()


@pytest.mark.parametrize("text, hidden", [
    (f"Authorization: Basic {BASIC}\r\nHost: example", BASIC),
    ('{"Authorization": "Bearer abc.def-ghi_jkl"}', "abc.def-ghi_jkl"),
    ("{'authorization': 'Token 0123456789abcdef0123456789abcdef'}", "0123456789abcdef"),
    ("the header was Token 0123456789abcdef0123456789abcdef here", "0123456789abcdef"),
    ("X-RapidSMS-Token: 7f9a-secret-7f9a\nAccept: */*", "7f9a-secret-7f9a"),
    ("GET /send?to=1&password=hunter%2B2&text=hi", "hunter%2B2"),
    ("echo: api_key=k3y-value;other", "k3y-value"),
    ("body: to%3D1%26password%3Dp%2540ss%26text%3Dhi", "p%2540ss"),
    ('{"auth_token": "abc\\"def"}', 'abc\\"def'),
])
def test_secrets_are_found_by_pattern(text: str, hidden: str) -> None:
    safe = redact(text)
    assert hidden not in safe
    assert REDACTED in safe


def test_ordinary_text_is_left_alone() -> None:
    for text in ["The key to the clinic is at reception.", "Token expired", "monkey business",
                 "Invalid URN: tel:123.", "Authentication failed"]:
        assert redact(text) == text


def test_configured_secrets_are_found_raw_url_encoded_and_as_basic(settings: Any) -> None:
    settings.INSTALLED_BACKENDS = {"gw": {
        "ENGINE": "x", "sendsms_user": "relay", "sendsms_pass": "p@ss word/+1",
        "inbound_secrets": ["rotated-old", "rotated-new"],
    }}
    basic = base64.b64encode(b"relay:p@ss word/+1").decode()
    for form in ["p@ss word/+1", "p%40ss%20word%2F%2B1", "p%40ss+word%2F%2B1", basic,
                 "rotated-old", "rotated-new"]:
        assert form not in redact(f"quoted back: <{form}>"), form


def test_stored_payloads_lose_secret_members_and_values() -> None:
    data = {"status": "failed", "token": "abc", "nested": [{"password": "x"}],
            "error": f"Authorization: Basic {BASIC}", "count": 3}
    assert redact_data(data) == {"status": "failed", "token": REDACTED,
                                 "nested": [{"password": REDACTED}],
                                 "error": f"Authorization: {REDACTED}", "count": 3}


def test_the_filter_redacts_messages_arguments_and_tracebacks(caplog: Any) -> None:
    logger = logging.getLogger("rapidsms.backends.http")
    caplog.set_level(logging.DEBUG, logger="rapidsms")
    try:
        raise ValueError(f"gateway said Authorization: Basic {BASIC}")
    except ValueError:
        logger.exception("failed with %s", f"password=hunter2-{BASIC}")
    assert BASIC not in caplog.text
    assert "hunter2" not in caplog.text


def test_every_logger_of_the_package_gets_the_filter() -> None:
    install_logging_filter()
    root = Path(rapidsms.__file__).parent
    named = set()
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        named.update(re.findall(r'getLogger\("([^"]+)"\)', source))
        if "getLogger(__name__)" in source:
            module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
            named.add(module.removesuffix(".__init__"))
    assert named <= set(PACKAGE_LOGGERS), named - set(PACKAGE_LOGGERS)
    for name in named:
        assert any(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters), name
