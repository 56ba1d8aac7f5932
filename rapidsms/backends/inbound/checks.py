"""System checks of the backends that receive over HTTP.

Registered when ``rapidsms.backends.inbound`` is in ``INSTALLED_APPS`` and
when ``rapidsms.backends.urls`` is imported (whichever comes first; Django
keeps one copy of each check).

* ``rapidsms.backends.W001`` a backend receives over HTTP without a secret
  (anyone who finds the URL can inject messages).
* ``rapidsms.backends.E001`` the same, under ``manage.py check --deploy``.
* ``rapidsms.backends.E002`` a backend receives over HTTP but
  ``rapidsms.backends.inbound`` is not in ``INSTALLED_APPS``.
* ``rapidsms.backends.W002`` a backend's name cannot be used in a URL, so it
  is not mounted by ``rapidsms.backends.urls``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps as django_apps
from django.core import checks
from django.utils.module_loading import import_string

from rapidsms.conf import get_setting

INBOUND_APP = "rapidsms.backends.inbound"
#: Backend names that can be a URL path segment as they are.
URL_SAFE_NAME = re.compile(r"[A-Za-z0-9_.~-]+")

SECRET_HINT = (
    "Add 'inbound_secrets': ['<a long random string>'] to INSTALLED_BACKENDS[{name!r}] and give "
    "the gateway a URL ending in ?token=<that string> (or the X-RapidSMS-Token header). "
    "python -c \"import secrets; print(secrets.token_urlsafe(32))\" makes one."
)


def inbound_backends() -> Iterator[tuple[str, Any]]:
    """Yield ``(name, backend)`` for every configured backend that has inbound URLs.

    Backends that cannot be built are skipped: the core's checks report them.
    """
    configured = get_setting("INSTALLED_BACKENDS")
    if not isinstance(configured, dict):
        return
    for name, conf in configured.items():
        cls = backend_class(conf)
        if cls is None or not (getattr(cls, "inbound_view", None)
                               or getattr(cls, "status_view", None)):
            continue
        options = {str(key).lower(): value for key, value in conf.items() if key != "ENGINE"}
        try:
            backend = cls(None, name, **options)
        except Exception:
            continue
        yield name, backend


def backend_class(conf: Any) -> type | None:
    """Return the class named by a backend's ``ENGINE``, or None when it is unusable."""
    if not isinstance(conf, dict) or "ENGINE" not in conf:
        return None
    engine = conf["ENGINE"]
    if isinstance(engine, str):
        try:
            engine = import_string(engine)
        except ImportError:
            return None
    return engine if inspect.isclass(engine) else None


def _unsecured(level: type[checks.CheckMessage], check_id: str) -> list[checks.CheckMessage]:
    found = []
    for name, backend in inbound_backends():
        has_auth = getattr(backend, "has_inbound_authentication", None)
        if has_auth is not None and has_auth():
            continue
        found.append(level(
            f"Backend {name!r} accepts messages over HTTP from anyone: it has no "
            "inbound_secrets.",
            hint=SECRET_HINT.format(name=name),
            id=check_id,
        ))
    return found


@checks.register(checks.Tags.security)
def check_inbound_secrets(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn about every backend that receives over HTTP without a secret."""
    return _unsecured(checks.Warning, "rapidsms.backends.W001")


@checks.register(checks.Tags.security, deploy=True)
def check_inbound_secrets_deploy(app_configs: Any = None,
                                 **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse a deployment with a backend that receives over HTTP without a secret."""
    return _unsecured(checks.Error, "rapidsms.backends.E001")


@checks.register("rapidsms")
def check_inbound_app(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that the inbound app is installed when a backend receives over HTTP."""
    names = [name for name, _ in inbound_backends()]
    if not names or django_apps.is_installed(INBOUND_APP):
        return []
    return [checks.Error(
        f"The backends {', '.join(map(repr, names))} receive over HTTP, which needs the "
        f"{INBOUND_APP!r} app for de-duplication and delivery reports.",
        hint=f"Add {INBOUND_APP!r} to INSTALLED_APPS and run manage.py migrate.",
        id="rapidsms.backends.E002",
    )]


@checks.register("rapidsms")
def check_backend_names(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that every backend with inbound URLs has a name usable in a URL."""
    return [
        checks.Warning(
            f"Backend {name!r} is not mounted by rapidsms.backends.urls: its name is not "
            "usable in a URL.",
            hint="Use letters, digits, '-', '_', '.' and '~' only in backend names.",
            id="rapidsms.backends.W002",
        )
        for name, _ in inbound_backends()
        if not URL_SAFE_NAME.fullmatch(name)
    ]
