"""Serve RapidSMS 2.2's test modules under their own names beside the installed package.

2.2 kept its tests inside the package (``rapidsms/contrib/handlers/tests/``,
``rapidsms/backends/vumi/tests.py``...). An import hook maps exactly those
module names to the files of the unpacked release, so the tests import,
patch and name each other as in 2.2, while every other ``rapidsms`` module
is this package's: nothing else of 2.2 can shadow it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from typing import Any

#: The one line of 2.2's Kannel tests that imports a model removed on purpose
#: (docs/migrating.rst, difference 22); the loader makes it optional so that
#: the module's other tests still run.
KANNEL_MODELS_IMPORT = "from rapidsms.backends.kannel.models import DeliveryReport\n"
KANNEL_MODELS_OPTIONAL = (
    "try:\n    from rapidsms.backends.kannel.models import DeliveryReport\n"
    "except ImportError:\n    DeliveryReport = None\n"
)


def is_test_file(relative: Path) -> bool:
    """Return True for a file of 2.2's tests: not its harness, which this package ships."""
    parts = relative.parts
    if parts[:3] == ("rapidsms", "tests", "harness") or parts[:3] == ("rapidsms", "router", "test"):
        return False
    if parts[:3] == ("rapidsms", "tests", "translation"):
        return True  # the test app the translation tests install
    if "tests" in parts[1:-1] and parts[:2] != ("rapidsms", "tests"):
        return True  # a tests/ package of an app, and its helper modules
    return parts[-1].startswith("test") and parts[-1] != "__init__.py"


def test_modules(source: Path) -> dict[str, tuple[Path, bool]]:
    """Return ``{module name: (file, is_package)}`` for 2.2's test modules under ``source``."""
    modules = {}
    for path in sorted((source / "rapidsms").rglob("*.py")):
        relative = path.relative_to(source)
        if not is_test_file(relative):
            continue
        parts = list(relative.with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts.pop()
        modules[".".join(parts)] = (path, package)
    return modules


def labels(modules: dict[str, tuple[Path, bool]]) -> list[str]:
    """Return what Django's test discovery loads: ``test*.py``, and each ``tests`` package."""
    return sorted(
        name for name, (path, package) in modules.items()
        if (name.endswith(".tests") if package else path.name.startswith("test"))
    )


class TestModuleLoader(importlib.machinery.SourceFileLoader):
    """Load a 2.2 test module; the Kannel one without its hard import of the removed model."""

    def get_data(self, path: str) -> bytes:
        data = super().get_data(path)
        if self.name == "rapidsms.backends.kannel.tests":
            data = data.replace(KANNEL_MODELS_IMPORT.encode(), KANNEL_MODELS_OPTIONAL.encode())
        return data


class TestModuleFinder(importlib.abc.MetaPathFinder):
    """Find the modules of :func:`test_modules`, and nothing else."""

    def __init__(self, modules: dict[str, tuple[Path, bool]]) -> None:
        self.modules = modules

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.modules:
            return None
        file, package = self.modules[name]
        return importlib.util.spec_from_file_location(
            name, file, loader=TestModuleLoader(name, str(file)),
            submodule_search_locations=[str(file.parent)] if package else None,
        )


def install(source: Path) -> dict[str, tuple[Path, bool]]:
    """Put the finder first on ``sys.meta_path``; return the modules it serves."""
    modules = test_modules(source)
    # No test module may hide one of this package's (2.2's harness, say).
    spec = importlib.util.find_spec("rapidsms")
    root = Path(spec.origin).parent.parent if spec and spec.origin else None
    for name in modules:
        mine = root.joinpath(*name.split(".")) if root else None
        if mine and (mine.with_suffix(".py").exists() or (mine / "__init__.py").exists()):
            raise RuntimeError(f"2.2's test module {name} would hide this package's.")
    sys.meta_path.insert(0, TestModuleFinder(modules))
    return modules
