"""RapidSMS 2.x's import helpers, kept as a deprecated module.

Use :func:`importlib.import_module` and Django's
:func:`~django.utils.module_loading.import_string` instead. Importing this
module raises a ``DeprecationWarning``; the functions work as in RapidSMS 2.x.
"""

from __future__ import annotations

import inspect
import os
from importlib import import_module
from types import ModuleType
from typing import Any

from django.utils.module_loading import import_string

from rapidsms.deprecation import warn_module_imported

warn_module_imported(
    "rapidsms.utils.modules",
    "importlib.import_module() or django.utils.module_loading.import_string()",
)

__all__ = [
    "find_python_files",
    "get_class",
    "get_classes",
    "get_package_path",
    "import_class",
    "import_module",
    "try_import",
]


def import_class(import_path: str, base_class: type | None = None) -> type:
    """Return the class at dotted path ``import_path``.

    Raise ``ImportError`` when the path does not import, does not name a
    class, or names one that is not a subclass of ``base_class``.
    """
    try:
        obj = import_string(import_path)
    except ImportError as exc:
        raise ImportError(f"{import_path!r} could not be imported: {exc}") from exc
    if not inspect.isclass(obj):
        raise ImportError(f"{import_path!r} is not a class.")
    if base_class is not None and not issubclass(obj, base_class):
        raise ImportError(f"{import_path!r} is not a subclass of {base_class.__name__}.")
    return obj


def try_import(module_name: str) -> ModuleType | None:
    """Import and return ``module_name``, or ``None`` when it does not exist.

    Only a missing ``module_name`` (or a missing parent package) gives
    ``None``: an ``ImportError`` raised by the code inside the module
    propagates, so a bug in it is not mistaken for its absence.
    """
    try:
        return import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == module_name or module_name.startswith(f"{exc.name}.")):
            return None
        raise


def find_python_files(path: str) -> list[str]:
    """Return the sorted names, without ``.py``, of the Python files in directory ``path``.

    Files whose name starts with ``_`` or ``.`` are left out. A directory
    that does not exist or cannot be read gives ``[]``.
    """
    try:
        names = os.listdir(path)
    except OSError:
        return []
    return sorted(
        name[:-3] for name in names if name.endswith(".py") and not name.startswith(("_", "."))
    )


def get_classes(module: ModuleType, superclass: type | None = None) -> list[type]:
    """Return the public classes defined in ``module`` (not imported into it).

    With ``superclass``, only its subclasses are returned.
    """
    classes = []
    for name in dir(module):
        obj: Any = getattr(module, name)
        if name.startswith("_") or not inspect.isclass(obj):
            continue
        if obj.__module__ != module.__name__:
            continue
        if superclass is None or issubclass(obj, superclass):
            classes.append(obj)
    return classes


def get_class(module: ModuleType, superclass: type | None = None) -> type:
    """Return the one class :func:`get_classes` finds in ``module``.

    Raise ``AttributeError`` naming the module when there is none, or more
    than one.
    """
    classes = get_classes(module, superclass)
    if len(classes) == 1:
        return classes[0]
    kind = f"subclasses of {superclass.__name__}" if superclass else "classes"
    if classes:
        names = ", ".join(cls.__name__ for cls in classes)
        raise AttributeError(f"Module {module.__name__} contains several {kind} ({names}).")
    raise AttributeError(f"Module {module.__name__} contains no {kind}.")


def get_package_path(package_name: str) -> str:
    """Import package ``package_name`` and return its directory.

    Raise ``AttributeError`` when ``package_name`` is a module, not a package.
    """
    module = import_module(package_name)
    try:
        return str(module.__path__[0])
    except AttributeError:
        raise AttributeError(f"{package_name!r} is not a package") from None
