"""System checks: misconfiguration found at start-up, with the fix in the hint.

Ids are stable; the documentation lists every one.

* ``rapidsms.E001`` RAPIDSMS_ROUTER cannot be imported or is not a router.
* ``rapidsms.E002`` INSTALLED_BACKENDS is not a dict.
* ``rapidsms.E003`` a backend's settings are not a dict with an ENGINE.
* ``rapidsms.E004`` a backend's ENGINE is not a BackendBase, or (under
  ``check --deploy``) cannot be imported.
* ``rapidsms.W004`` a backend's ENGINE cannot be imported. Only a warning, as
  RapidSMS 2.x projects run (their tests, say) with a gateway package absent:
  the router works without that backend, and whatever uses it fails loudly.
* ``rapidsms.E005`` a backend rejects its options.
* ``rapidsms.E006`` an app's ``app.py`` defines no AppBase subclass.
* ``rapidsms.E007`` an app's ``app.py`` defines several AppBase subclasses.
* ``rapidsms.E008`` an app's ``app.py`` fails to import.
"""

from __future__ import annotations

import inspect
from typing import Any

from django.apps import apps as django_apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from rapidsms.apps.base import _import_app_module, app_classes_in
from rapidsms.backends.base import BackendBase
from rapidsms.conf import get_setting

EXAMPLE_BACKENDS = (
    "INSTALLED_BACKENDS = {'message_tester': "
    "{'ENGINE': 'rapidsms.backends.database.DatabaseBackend'}}"
)


@checks.register("rapidsms")
def check_router(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that ``RAPIDSMS_ROUTER`` names an importable router class."""
    setting = get_setting("RAPIDSMS_ROUTER")
    hint = "Set RAPIDSMS_ROUTER = 'rapidsms.router.blocking.BlockingRouter' (the default)."
    if inspect.isclass(setting):
        # get_router() refuses a class; say so at start-up rather than on the first message.
        path = f"{setting.__module__}.{setting.__qualname__}"
        return [checks.Error(f"RAPIDSMS_ROUTER is the class {setting.__qualname__}, not its "
                             "dotted path.", hint=f"Write RAPIDSMS_ROUTER = {path!r}.",
                             id="rapidsms.E001")]
    if not isinstance(setting, str):
        return []  # a router instance, as the test harness installs
    try:
        router_class = import_string(setting)
    except ImportError as exc:
        return [checks.Error(f"RAPIDSMS_ROUTER = {setting!r} cannot be imported: {exc}.",
                             hint=hint, id="rapidsms.E001")]
    if not inspect.isclass(router_class) or not hasattr(router_class, "receive_incoming"):
        return [checks.Error(f"RAPIDSMS_ROUTER = {setting!r} is not a router class.",
                             hint=hint, id="rapidsms.E001")]
    return []


@checks.register("rapidsms")
def check_backends(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check the shape of ``INSTALLED_BACKENDS`` and that every backend accepts its options."""
    backends = get_setting("INSTALLED_BACKENDS")
    if not isinstance(backends, dict):
        return [checks.Error(
            f"INSTALLED_BACKENDS must be a dict, not {type(backends).__name__}.",
            hint=f"Write for example: {EXAMPLE_BACKENDS}",
            id="rapidsms.E002",
        )]
    errors: list[checks.CheckMessage] = []
    for name, conf in backends.items():
        errors.extend(_check_one_backend(name, conf))
    return errors


def _check_one_backend(name: str, conf: Any) -> list[checks.CheckMessage]:
    if not isinstance(conf, dict) or "ENGINE" not in conf:
        return [checks.Error(
            f"INSTALLED_BACKENDS[{name!r}] has no 'ENGINE'.",
            hint="Each backend is a dict whose 'ENGINE' is the dotted path of its class, e.g. "
            "{'ENGINE': 'rapidsms.backends.database.DatabaseBackend'}.",
            id="rapidsms.E003",
        )]
    options = {str(key).lower(): value for key, value in conf.items() if key != "ENGINE"}
    engine = conf["ENGINE"]
    cls: Any = engine
    if isinstance(engine, str):
        try:
            cls = import_string(engine)
        except ImportError as exc:
            return [_unimportable(name, engine, exc, checks.Warning, "rapidsms.W004")]
    if not (inspect.isclass(cls) and issubclass(cls, BackendBase)):
        return [checks.Error(
            f"INSTALLED_BACKENDS[{name!r}]['ENGINE'] = {engine!r} is not a backend class.",
            hint="ENGINE must name a subclass of rapidsms.backends.base.BackendBase.",
            id="rapidsms.E004",
        )]
    try:
        cls(None, name, **options)
    except ImproperlyConfigured as exc:
        return [checks.Error(
            str(exc),
            hint=f"Fix or remove the option in INSTALLED_BACKENDS[{name!r}].",
            id="rapidsms.E005",
        )]
    except Exception as exc:  # a configure() that rejects a value its own way
        return [checks.Error(
            f"Backend {name!r} ({cls.__name__}) cannot be built from its options in "
            f"INSTALLED_BACKENDS: {type(exc).__name__}: {exc}.",
            hint=f"Fix the option values in INSTALLED_BACKENDS[{name!r}].",
            id="rapidsms.E005",
        )]
    return []


def _unimportable(name: str, engine: str, exc: ImportError,
                  level: type[checks.CheckMessage], check_id: str) -> checks.CheckMessage:
    return level(
        f"INSTALLED_BACKENDS[{name!r}]['ENGINE'] = {engine!r} cannot be imported: {exc}. "
        "Nothing can be sent or received through this backend.",
        hint="Check the spelling and that the package providing it is installed, or remove "
        f"INSTALLED_BACKENDS[{name!r}].",
        id=check_id,
    )


@checks.register("rapidsms", deploy=True)
def check_backends_deploy(app_configs: Any = None,
                          **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse a deployment with a backend whose ENGINE cannot be imported."""
    backends = get_setting("INSTALLED_BACKENDS")
    if not isinstance(backends, dict):
        return []  # check_backends reports it
    errors: list[checks.CheckMessage] = []
    for name, conf in backends.items():
        engine = conf.get("ENGINE") if isinstance(conf, dict) else None
        if not isinstance(engine, str):
            continue
        try:
            import_string(engine)
        except ImportError as exc:
            errors.append(_unimportable(name, engine, exc, checks.Error, "rapidsms.E004"))
    return errors


@checks.register("rapidsms")
def check_apps(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that every Django app with an ``app.py`` defines exactly one SMS app."""
    errors: list[checks.CheckMessage] = []
    configs = app_configs or django_apps.get_app_configs()
    for config in configs:
        try:
            module = _import_app_module(config.name)
        except Exception as exc:  # the author's module fails: say which and why
            errors.append(checks.Error(
                f"{config.name}.app cannot be imported: {type(exc).__name__}: {exc}.",
                hint="Fix the error in app.py; the router skips this app until then.",
                id="rapidsms.E008",
            ))
            continue
        if module is None:
            continue
        found = app_classes_in(module)
        if not found:
            errors.append(checks.Error(
                f"{config.name}.app defines no subclass of rapidsms.apps.base.AppBase.",
                hint="Define one class, e.g. 'class App(AppBase):', in app.py, or rename the "
                "module if it is not an SMS app.",
                id="rapidsms.E006",
            ))
        elif len(found) > 1:
            names = ", ".join(sorted(cls.__name__ for cls in found))
            errors.append(checks.Error(
                f"{config.name}.app defines several AppBase subclasses ({names}); the router "
                "cannot tell which one is the app.",
                hint="Keep one AppBase subclass in app.py and move the others to another module.",
                id="rapidsms.E007",
            ))
    return errors
