"""Finding the handler classes of a project: ``RAPIDSMS_HANDLERS``, or deprecated discovery."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from warnings import warn

from django.apps import apps as django_apps
from django.conf import settings
from django.utils.module_loading import import_string

from rapidsms.contrib.handlers.exceptions import HandlerError
from rapidsms.contrib.handlers.handlers.base import BaseHandler

DISCOVERY_DEPRECATED = (
    "Finding handlers in each installed app's handlers package is deprecated; list the "
    "handler classes in settings.RAPIDSMS_HANDLERS, for example RAPIDSMS_HANDLERS = "
    "['rapidsms.contrib.echo.handlers.echo.EchoHandler']."
)


def get_handlers() -> list[type[BaseHandler]]:
    """Return the handler classes to use, in the order they are tried.

    When the project sets ``RAPIDSMS_HANDLERS`` (a list of dotted class
    paths), that list is authoritative, even empty. Otherwise, with a
    ``DeprecationWarning``, every installed app's ``handlers`` package is
    searched as in RapidSMS 1.x (see :func:`discover_handlers`), narrowed by
    the deprecated ``INSTALLED_HANDLERS`` and ``EXCLUDED_HANDLERS``
    settings (lists of module-name prefixes).

    Raise ``ImportError`` for an entry of ``RAPIDSMS_HANDLERS`` that cannot
    be imported and :class:`HandlerError` for one that is not a handler; the
    system checks report both at startup.
    """
    if hasattr(settings, "RAPIDSMS_HANDLERS"):
        return [load_handler(path) for path in settings.RAPIDSMS_HANDLERS]
    # warn() by its bare name, as in RapidSMS 2.x, whose tests patch
    # "rapidsms.contrib.handlers.utils.warn" to see this warning.
    warn(DISCOVERY_DEPRECATED, DeprecationWarning, stacklevel=2)
    excluded_apps = set(getattr(settings, "RAPIDSMS_HANDLERS_EXCLUDE_APPS", None) or [])
    app_names = [
        config.name
        for config in django_apps.get_app_configs()
        if not _never_searched(config.name) and config.name not in excluded_apps
    ]
    handlers = discover_handlers(app_names)
    installed = getattr(settings, "INSTALLED_HANDLERS", None)
    if installed is not None:
        handlers = [h for h in handlers if _starts_with_any(h.__module__, installed)]
    excluded = getattr(settings, "EXCLUDED_HANDLERS", None) or []
    return [h for h in handlers if not _starts_with_any(h.__module__, excluded)]


def load_handler(path: str) -> type[BaseHandler]:
    """Import the handler class at dotted ``path``; raise if it is not a handler."""
    cls = import_string(path)
    if not (inspect.isclass(cls) and issubclass(cls, BaseHandler)):
        raise HandlerError(
            f"RAPIDSMS_HANDLERS entry {path!r} is not a subclass of "
            "rapidsms.contrib.handlers.BaseHandler."
        )
    return cls


def discover_handlers(app_names: Iterable[str]) -> list[type[BaseHandler]]:
    """Return the handlers defined in the ``handlers`` package of each app (deprecated).

    Each public module (name not starting with ``_``) of ``<app>.handlers``
    must define exactly one ``BaseHandler`` subclass; modules are read in
    alphabetical order. An app without a ``handlers`` module is skipped.

    Raise :class:`HandlerError` when ``<app>.handlers`` is a module rather
    than a package, or when one of its modules defines no handler or
    several: RapidSMS 2.x refused these too, and guessing would silently
    answer messages with the wrong class. An ``ImportError`` raised inside a
    handler module propagates.
    """
    found: list[type[BaseHandler]] = []
    for app_name in app_names:
        found.extend(_handlers_of_app(app_name))
    return found


def _never_searched(app_name: str) -> bool:
    # This app's own handlers are abstract; Django's auth app has an unrelated
    # "handlers" module.
    return app_name == "rapidsms.contrib.handlers" or app_name.startswith("django.contrib.")


def _handlers_of_app(app_name: str) -> list[type[BaseHandler]]:
    package_name = f"{app_name}.handlers"
    try:
        package = importlib.import_module(package_name)
    except ModuleNotFoundError as exc:
        if exc.name in (package_name, app_name):
            return []
        raise
    if not hasattr(package, "__path__"):
        raise HandlerError(
            f"{package_name} must be a package (a handlers/ folder with one handler per "
            "module) to be searched for handlers; list your handlers in "
            f"RAPIDSMS_HANDLERS, or add {app_name!r} to RAPIDSMS_HANDLERS_EXCLUDE_APPS."
        )
    handlers = []
    names = sorted(info.name for info in pkgutil.iter_modules(package.__path__))
    for name in names:
        if name.startswith("_"):
            continue
        module = importlib.import_module(f"{package_name}.{name}")
        classes = [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and issubclass(obj, BaseHandler)
            and obj.__module__ == module.__name__
        ]
        if len(classes) != 1:
            found = ", ".join(cls.__name__ for cls in classes) or "none"
            raise HandlerError(
                f"{module.__name__} must define exactly one handler class (found: {found})."
            )
        handlers.append(classes[0])
    return handlers


def _starts_with_any(module_name: str, prefixes: Iterable[str]) -> bool:
    # Plain prefix matching, as RapidSMS 2.x did.
    return any(module_name.startswith(prefix) for prefix in prefixes)
