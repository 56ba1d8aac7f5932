"""The reference pages keep up with the code.

Every system-check id the package can report must be described in
``docs/ref/checks.rst``, and every setting it reads must be listed in
``docs/ref/settings.rst``. Both lists are found by reading the package's
source, so a new check or setting without documentation fails here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import global_settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "rapidsms"
DOCS = ROOT / "docs"
CHECKS_PAGE = DOCS / "ref" / "checks.rst"
SETTINGS_PAGE = DOCS / "ref" / "settings.rst"

#: A system-check id: dotted lower-case words, then E, W, C, I or D and three digits.
CHECK_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*\.[CEWID]\d{3}")
#: A setting's name.
SETTING_NAME = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")
#: Names of functions that read one setting by name (``get_setting("NAME")``).
SETTING_READERS = re.compile(r"(?:^|_)(?:get_)?setting$")
#: A per-backend option read by the router (``"router.rate"`` in ``INSTALLED_BACKENDS``).
ROUTER_OPTION = re.compile(r"router\.[a-z_]+(?:\.[a-z_]+)*")
#: Settings recognised by their prefix wherever their name is written (some are read
#: through a variable: ``for name in ("CELERY_TASK_ALWAYS_EAGER", ...)``).
OWN_PREFIX = re.compile(r"(?:RAPIDSMS|CELERY)_[A-Z0-9_]+")
#: Django's own settings: documented by Django, not here.
DJANGO_SETTINGS = {name for name in dir(global_settings) if SETTING_NAME.fullmatch(name)}


def source_trees() -> Iterator[tuple[Path, ast.Module]]:
    """Yield the parsed modules of the package, migrations left out."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def strings(tree: ast.AST) -> Iterator[str]:
    """Yield every string literal of ``tree`` (docstrings included; they never match fully)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def check_ids_in_code() -> dict[str, Path]:
    """Return ``{check id: a module that uses it}`` for every id literal in the package."""
    found: dict[str, Path] = {}
    for path, tree in source_trees():
        for value in strings(tree):
            if CHECK_ID.fullmatch(value):
                found.setdefault(value, path)
    return found


def _called_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_settings(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "settings"


def settings_read(tree: ast.AST) -> Iterator[str]:
    """Yield the names of the settings a module reads.

    ``settings.NAME``, ``getattr(settings, "NAME", ...)``,
    ``hasattr(settings, "NAME")``, ``get_setting("NAME")`` (and the other
    readers named ``..._setting``), the keys of a ``DEFAULTS`` dict, and any
    literal ``RAPIDSMS_...`` or ``CELERY_...`` name (settings read through a
    variable).
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_settings(node.value):
            if SETTING_NAME.fullmatch(node.attr):
                yield node.attr
        elif isinstance(node, ast.Call) and node.args:
            name = _called_name(node)
            args = node.args
            if name in ("getattr", "hasattr") and len(args) >= 2 and _is_settings(args[0]):
                key = args[1]
            elif SETTING_READERS.search(name):
                key = args[0]
            else:
                continue
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                if SETTING_NAME.fullmatch(key.value):
                    yield key.value
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            is_defaults = any(isinstance(t, ast.Name) and t.id == "DEFAULTS" for t in targets)
            if is_defaults and isinstance(node.value, ast.Dict):
                for key in node.value.keys:
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        yield key.value
    for value in strings(tree):
        if OWN_PREFIX.fullmatch(value):
            yield value


def settings_in_code() -> dict[str, Path]:
    """Return ``{setting: a module that reads it}``, Django's own settings left out."""
    found: dict[str, Path] = {}
    for path, tree in source_trees():
        for name in settings_read(tree):
            if name not in DJANGO_SETTINGS:
                found.setdefault(name, path)
    return found


def router_options_in_code() -> dict[str, Path]:
    """Return ``{"router.<option>": module}`` for the per-backend options the router reads."""
    found: dict[str, Path] = {}
    for path, tree in source_trees():
        for value in strings(tree):
            if ROUTER_OPTION.fullmatch(value):
                found.setdefault(value, path)
    return found


def mentioned(name: str, text: str) -> bool:
    """Return True when ``name`` appears in ``text`` as a whole word."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text) is not None


def where(found: dict[str, Path], names: list[str]) -> str:
    return ", ".join(f"{name} ({found[name].relative_to(ROOT)})" for name in names)


def test_the_scanners_find_what_is_known_to_be_there() -> None:
    # Guards the guards: if reading the code broke, every test below would pass.
    assert {"rapidsms.E001", "rapidsms.backends.W001", "handlers.E001"} <= set(check_ids_in_code())
    assert {"RAPIDSMS_ROUTER", "INSTALLED_BACKENDS", "DEFAULT_RESPONSE",
            "RAPIDSMS_HANDLERS"} <= set(settings_in_code())
    assert "LANGUAGE_CODE" not in settings_in_code()


def test_every_check_id_in_the_code_is_documented() -> None:
    page = CHECKS_PAGE.read_text(encoding="utf-8")
    found = check_ids_in_code()
    missing = sorted(check_id for check_id in found if not mentioned(check_id, page))
    assert not missing, (
        f"System checks missing from {CHECKS_PAGE.relative_to(ROOT)}: {where(found, missing)}. "
        "Describe each: the message, the hint, and what to change."
    )


def test_every_documented_check_id_exists() -> None:
    page = CHECKS_PAGE.read_text(encoding="utf-8")
    found = check_ids_in_code()
    prefixes = {check_id.rsplit(".", 1)[0] for check_id in found}
    documented = {match.group(0) for match in CHECK_ID.finditer(page)}
    stale = sorted(check_id for check_id in documented
                   if check_id.rsplit(".", 1)[0] in prefixes and check_id not in found)
    assert not stale, f"{CHECKS_PAGE.relative_to(ROOT)} describes checks no code reports: {stale}"


def test_every_setting_read_by_the_code_is_documented() -> None:
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    found = settings_in_code()
    missing = sorted(name for name in found if not mentioned(name, page))
    assert not missing, (
        f"Settings missing from {SETTINGS_PAGE.relative_to(ROOT)}: {where(found, missing)}. "
        "Give each its default and what it does (or link the page that declares it)."
    )


def test_every_router_option_of_a_backend_is_documented() -> None:
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    found = router_options_in_code()
    missing = sorted(name for name in found if not mentioned(name, page))
    assert not missing, (
        f"Backend options for the router missing from {SETTINGS_PAGE.relative_to(ROOT)}: "
        f"{where(found, missing)}."
    )


def test_no_setting_is_declared_twice() -> None:
    declared: dict[str, list[str]] = {}
    for page in sorted(DOCS.rglob("*.rst")):
        if "_build" in page.parts:
            continue
        for match in re.finditer(r"^\.\. setting:: (\S+)", page.read_text(encoding="utf-8"),
                                 re.MULTILINE):
            declared.setdefault(match.group(1), []).append(str(page.relative_to(DOCS)))
    twice = {name: pages for name, pages in declared.items() if len(pages) > 1}
    assert not twice, (
        f"Settings declared on more than one page (link with :setting: instead): {twice}"
    )
