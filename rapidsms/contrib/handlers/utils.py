"""Finding the handler classes of a project."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

from django.apps import apps as django_apps
from django.conf import settings
from django.utils.module_loading import import_string

from rapidsms.contrib.handlers.handlers.base import BaseHandler


def get_handlers() -> list[type[BaseHandler]]:
    """Return the handler classes to use, in order.

    ``RAPIDSMS_HANDLERS`` (a list of dotted class paths) is authoritative when
    it is set, even empty. Without it, every installed app's ``handlers``
    package is searched, as RapidSMS 1.x did; that is deprecated.
    """
    if hasattr(settings, "RAPIDSMS_HANDLERS"):
        return [import_string(path) for path in settings.RAPIDSMS_HANDLERS]
    warnings.warn(
        "Finding handlers in each app's handlers package is deprecated; list them in "
        "settings.RAPIDSMS_HANDLERS.",
        DeprecationWarning,
        stacklevel=2,
    )
    return _discover_handlers()


def _discover_handlers() -> list[type[BaseHandler]]:
    excluded_apps = set(getattr(settings, "RAPIDSMS_HANDLERS_EXCLUDE_APPS", []))
    installed = getattr(settings, "INSTALLED_HANDLERS", None)
    excluded = getattr(settings, "EXCLUDED_HANDLERS", [])
    found: list[type[BaseHandler]] = []
    for config in django_apps.get_app_configs():
        name = config.name
        if (
            name == "rapidsms.contrib.handlers"
            or name.startswith("django.contrib.")
            or name in excluded_apps
        ):
            continue
        found.extend(_handlers_in_app(name))
    if installed is not None:
        found = [h for h in found if _matches_any(h.__module__, installed)]
    return [h for h in found if not _matches_any(h.__module__, excluded)]


def _handlers_in_app(app_name: str) -> list[type[BaseHandler]]:
    package_name = f"{app_name}.handlers"
    try:
        package = importlib.import_module(package_name)
    except ModuleNotFoundError as exc:
        if exc.name in (package_name, app_name):
            return []
        raise
    if not hasattr(package, "__path__"):
        return []
    handlers = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package_name}.{info.name}")
        classes = [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and issubclass(obj, BaseHandler)
            and obj.__module__ == module.__name__
        ]
        if len(classes) == 1:
            handlers.append(classes[0])
    return handlers


def _matches_any(module_name: str, prefixes: list[str]) -> bool:
    return any(module_name == p or module_name.startswith(p + ".") for p in prefixes)
