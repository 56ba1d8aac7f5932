"""Plug-ins add pages, prune steps and status reports; the core imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import override_settings

from rapidsms import extensions

PACKAGE = Path(extensions.__file__).resolve().parent
#: The core, as DESIGN.md draws it: what must work with no plug-in installed.
CORE_MODULES = [
    *PACKAGE.glob("*.py"), *(PACKAGE / "router").glob("*.py"),
    *(PACKAGE / "router" / "blocking").glob("*.py"), *(PACKAGE / "messages").glob("*.py"),
    *(PACKAGE / "apps").glob("*.py"), *(PACKAGE / "management" / "commands").glob("*.py"),
    PACKAGE / "backends" / "base.py",
]
#: Every gateway is a package under rapidsms/backends (the inbound pipeline is shared, not one),
#: so a new gateway is held to the rule without being named here.
GATEWAYS = tuple(
    f"rapidsms.backends.{path.parent.name}"
    for path in sorted((PACKAGE / "backends").glob("*/__init__.py"))
    if path.parent.name != "inbound"
)
PLUG_INS = ("rapidsms.contrib", "rapidsms.router.db", *GATEWAYS)


def test_every_bundled_gateway_counts_as_a_plug_in():
    assert {"rapidsms.backends.http", "rapidsms.backends.kannel", "rapidsms.backends.vumi",
            "rapidsms.backends.twilio", "rapidsms.backends.rapidpro",
            "rapidsms.backends.database", "rapidsms.backends.africastalking"} <= set(GATEWAYS)


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_the_core_imports_no_plug_in(path):
    offending = sorted(module for module in imported_modules(path)
                       if module.startswith(PLUG_INS))
    assert offending == [], f"{path.name} imports plug-ins: {offending}"


@pytest.fixture
def registry(monkeypatch):
    """Run a test against empty registries; the installed apps' entries come back after."""
    monkeypatch.setattr(extensions, "_pages", {})
    monkeypatch.setattr(extensions, "_prune_steps", {})
    monkeypatch.setattr(extensions, "_status_providers", {})
    return extensions


def test_pages_are_ordered_mounted_only_and_staff_only_for_staff(registry, django_user_model):
    registry.register_page(registry.Page("message_log", "Log", "Every message.", order=20))
    registry.register_page(registry.Page("httptester-index", "Tester", order=10))
    registry.register_page(registry.Page("not-mounted-anywhere", "Ghost", order=1))
    registry.register_page(registry.Page("rapidsms_db:messages", "Store", order=30,
                                         staff_only=True))
    staff = django_user_model(username="staff", is_staff=True)
    assert [page["title"] for page in registry.pages(AnonymousUser())] == ["Tester", "Log"]
    assert [page["title"] for page in registry.pages(staff)] == ["Tester", "Log", "Store"]
    assert registry.pages(staff)[1] == {"title": "Log", "description": "Every message.",
                                        "url": "/messagelog/"}
    registry.register_page(registry.Page("message_log", "Log again", order=20))
    assert [page["title"] for page in registry.pages()] == ["Tester", "Log again"]


def test_prune_runs_the_registered_steps(registry, capsys):
    calls = []

    def run(days, dry_run):
        calls.append((days, dry_run))
        return 7

    registry.register_prune_step(registry.PruneStep(
        "things", run, lambda count, days, verb: f"Things: {verb} {count} ({days} days)."))
    call_command("rapidsms_prune", "--days", "3", "--dry-run")
    assert calls == [(3, True)]
    assert capsys.readouterr().out == "Things: would delete 7 (3 days).\n"


def test_prune_with_no_step_says_so(registry, capsys):
    call_command("rapidsms_prune")
    assert "Nothing to prune" in capsys.readouterr().out


def test_status_prints_what_the_providers_report(registry, capsys):
    registry.register_status_provider("one", lambda recover: extensions.StatusReport(
        lines=[f"recover={recover}"], data={"n": 1}))
    call_command("rapidsms_status", "--recover")
    assert capsys.readouterr().out == "recover=True\n"
    call_command("rapidsms_status", "--json")
    assert capsys.readouterr().out.strip() == '{\n  "n": 1\n}'


@override_settings()
def test_status_without_a_provider_says_what_to_install(registry):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="rapidsms.router.db"):
        call_command("rapidsms_status")
