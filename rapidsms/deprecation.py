"""Warnings for the RapidSMS 2.x names kept as deprecated aliases.

Each alias works as it did and raises a ``DeprecationWarning`` that names
what replaces it, pointing at the code that used it:

* a module kept as an alias warns when it is imported
  (:func:`warn_module_imported`, called from the module's body);
* a function warns when it is called (:func:`warn_deprecated`);
* a name kept in a module that is not itself deprecated warns when it is
  looked up, through the module's ``__getattr__``
  (:func:`deprecated_attributes`), so the module's own code never sees it.

Nothing in the package imports an alias: the test suite turns a warning
raised from ``rapidsms.*`` into an error to keep it that way.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable
from typing import Any

# Frames of the import system between an ``import`` statement and the body
# of the module it imports. The frozen bootstrap modules have no real file;
# an import hook's loader (pytest's, which rewrites asserts) runs the module
# from its own exec_module().
_IMPORT_FILES = ("<frozen importlib._bootstrap", importlib.__file__)
_LOADER_METHODS = ("exec_module", "load_module")


def _is_bootstrap(frame: Any) -> bool:
    # The frames warnings.warn() skips when it counts ``stacklevel``.
    filename = frame.f_code.co_filename
    return "importlib" in filename and "_bootstrap" in filename


def _is_import_machinery(frame: Any) -> bool:
    code = frame.f_code
    return code.co_filename.startswith(_IMPORT_FILES) or code.co_name in _LOADER_METHODS


def message(old: str, new: str) -> str:
    """Return the text of the warning for ``old``, replaced by ``new``."""
    return f"{old} is a deprecated RapidSMS 2.x name: use {new} instead."


def warn_deprecated(old: str, new: str, stacklevel: int = 2) -> None:
    """Warn that ``old`` is deprecated in favour of ``new``.

    ``stacklevel`` counts from the caller of this function, as for
    ``warnings.warn``: the default points at whoever called the caller.
    """
    warnings.warn(message(old, new), DeprecationWarning, stacklevel=stacklevel + 1)


def warn_module_imported(old: str, new: str) -> None:
    """Warn that module ``old`` is deprecated; call it from that module's body.

    The warning points at the statement that imported the module, past the
    import system's own frames, so ``python -W error`` and the test suite's
    filters see the importing module, not the alias.
    """
    # Level 1 is this function, 2 the alias module's body. warnings.warn()
    # leaves importlib's bootstrap frames out of its count by itself, so
    # only the other frames of the import system are counted here.
    level = 3
    frame = sys._getframe(2)
    while frame is not None and _is_import_machinery(frame):
        if not _is_bootstrap(frame):
            level += 1
        frame = frame.f_back
    warnings.warn(message(old, new), DeprecationWarning, stacklevel=level)


def deprecated_attributes(
    module_name: str, aliases: dict[str, tuple[str, Callable[[], Any]]]
) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` serving the deprecated ``aliases``.

    ``aliases`` maps each old name to ``(replacement, getter)``: looking the
    name up warns, naming the replacement, and returns ``getter()``. Any
    other name raises ``AttributeError`` as usual.
    """

    def __getattr__(name: str) -> Any:
        try:
            new, getter = aliases[name]
        except KeyError:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}") from None
        # ``from module import name`` and ``module.name`` call this function
        # straight from the user's frame: level 2 of warn_deprecated is theirs.
        warn_deprecated(f"{module_name}.{name}", new, stacklevel=2)
        return getter()

    return __getattr__
