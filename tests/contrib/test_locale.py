"""The shipped catalogs: every .po file has a compiled .mo that says the same thing."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

import rapidsms

CONTRIB = Path(rapidsms.__file__).parent / "contrib"
CATALOGS = sorted(CONTRIB.glob("*/locale/*/LC_MESSAGES/django.po"))


def read_po(path: Path) -> dict[str, str]:
    """Return {msgid: msgstr} of a .po file (single-line or continued strings)."""
    entries: dict[str, str] = {}
    pattern = re.compile(r'msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)')
    for match in pattern.finditer(path.read_text(encoding="utf-8")):
        msgid, msgstr = (
            "".join(_unescape(part) for part in re.findall(r'"((?:[^"\\]|\\.)*)"', group))
            for group in match.groups()
        )
        if msgid:
            entries[msgid] = msgstr
    return entries


def _unescape(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda match: escapes[match.group(1)], text)


def test_the_apps_ship_catalogs_in_every_language():
    apps = {path.parts[-5] for path in CATALOGS}
    assert {"default", "registration", "optout", "handlers"} <= apps
    for app in ("default", "echo", "handlers", "registration", "optout", "httptester",
                "messagelog", "messaging"):
        languages = {path.parts[-3] for path in CATALOGS if path.parts[-5] == app}
        assert {"en", "fr", "es", "pt", "sw", "ar"} <= languages


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: "/".join(p.parts[-5:-2]))
def test_mo_is_compiled_from_po(po: Path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.name} is missing: run msgfmt -o {mo} {po}"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    entries = read_po(po)
    language = po.parts[-3]
    for msgid, msgstr in entries.items():
        if language != "en":
            assert msgstr, f"{po}: {msgid!r} is not translated"
        assert compiled.gettext(msgid) == (msgstr or msgid), f"{mo} is older than {po}"
        assert set(re.findall(r"%\(\w+\)[sd]", msgid)) == set(
            re.findall(r"%\(\w+\)[sd]", msgstr or msgid)
        ), f"{po}: placeholders differ for {msgid!r}"
