"""The new-gateway guide is real: its code is the Africa's Talking backend, and its steps work.

The guide includes the backend's modules and tests from the source, so they
cannot drift; what it writes out by hand (the settings, the suite classes,
the ``curl`` request) is checked here against the real files and a mounted
backend.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from rapidsms.backends.base import BackendBase
from rapidsms.backends.inbound.checks import check_inbound_secrets

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "howto" / "new-gateway.rst"
GATEWAY_PAGE = ROOT / "docs" / "backends" / "africastalking.rst"
TESTS = ROOT / "tests" / "backends" / "test_africastalking.py"


def code_blocks(page: Path, language: str) -> list[str]:
    """Return the bodies of the page's ``code-block:: <language>`` directives, dedented."""
    blocks, lines = [], page.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.strip() != f".. code-block:: {language}":
            continue
        body = []
        for following in lines[index + 1:]:
            if following and not following.startswith(" "):
                break
            body.append(following[3:])
        blocks.append("\n".join(body).strip("\n"))
    return blocks


def includes(page: Path) -> list[tuple[Path, str | None]]:
    """Return ``(file, pyobject)`` for each ``literalinclude`` of the page."""
    found = []
    text = page.read_text(encoding="utf-8")
    for match in re.finditer(r"\.\. literalinclude:: (\S+)\n((?:   :\S+:.*\n)*)", text):
        options = dict(re.findall(r"   :(\S+):\s*(.*)", match.group(2)))
        found.append(((page.parent / match.group(1)).resolve(), options.get("pyobject")))
    return found


def test_every_included_file_and_object_exists() -> None:
    included = includes(GUIDE)
    assert {path.name for path, _ in included} >= {
        "__init__.py", "outgoing.py", "codes.py", "views.py", "test_africastalking.py"}
    for path, name in included:
        assert path.is_file(), path
        if name:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            assert name in {node.name for node in tree.body
                            if isinstance(node, ast.ClassDef | ast.FunctionDef)}, (path, name)


def test_the_suite_classes_shown_are_the_tests_that_run() -> None:
    tests = TESTS.read_text(encoding="utf-8")
    shown = [line.strip() for block in code_blocks(GUIDE, "python")
             for line in block.splitlines() if line.startswith("class Test")]
    assert len(shown) == 6
    for line in shown:
        assert f"\n{line}\n" in tests, line


@pytest.mark.parametrize("page", [GUIDE, GATEWAY_PAGE], ids=lambda page: page.name)
def test_the_settings_shown_build_a_backend_that_passes_the_checks(
        page: Path, monkeypatch: Any, settings: Any) -> None:
    monkeypatch.setenv("AT_API_KEY", "atsk_from_the_environment")
    monkeypatch.setenv("AT_INBOUND_SECRET", "a-secret-from-the-environment")
    [block] = [b for b in code_blocks(page, "python") if "INSTALLED_BACKENDS =" in b]
    namespace: dict[str, Any] = {"os": __import__("os")}
    exec(compile(block.split("# urls.py")[0], str(page), "exec"), namespace)  # noqa: S102
    backends = namespace["INSTALLED_BACKENDS"]
    for name, conf in backends.items():
        options = {key.lower(): value for key, value in conf.items() if key != "ENGINE"}
        backend = BackendBase.find(conf["ENGINE"])(None, name, **options)
        assert backend.messaging_url == "https://api.africastalking.com/version1/messaging"
    settings.INSTALLED_BACKENDS = backends
    assert [m.id for m in check_inbound_secrets(None)] == []


def test_every_page_mounts_the_backends_urls() -> None:
    for page in (GUIDE, GATEWAY_PAGE):
        assert any('path("backends/", include("rapidsms.backends.urls"))' in block
                   for block in code_blocks(page, "python")), page


def test_the_curl_request_is_routed(mount: Any, gateway: Any) -> None:
    """The guide's hand-made request, sent to a mounted backend, is accepted and routed."""
    [block] = [b for b in code_blocks(GUIDE, "sh") if b.startswith("curl")]
    words = shlex.split(block.replace("\\\n", " ").replace("$AT_INBOUND_SECRET", "s3cret"))
    url = next(word for word in words if word.startswith("http://"))
    fields = dict(words[i + 1].split("=", 1) for i, word in enumerate(words) if word == "-d")
    router = mount({"africastalking": {
        "ENGINE": "rapidsms.backends.africastalking.AfricasTalkingBackend",
        "username": "myapp", "api_key": "atsk_test", "inbound_secrets": ["s3cret"],
        "api_url": gateway.url.rsplit("/", 1)[0]}})
    response = Client().post(url.removeprefix("http://127.0.0.1:8000"), fields)
    assert response.status_code == 200, response.content
    [msg] = router.inbound
    assert (msg.connections[0].identity, msg.text) == (fields["from"], fields["text"])
