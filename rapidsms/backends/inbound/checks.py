"""System checks of the backends that receive over HTTP.

Registered when ``rapidsms.backends.inbound`` is in ``INSTALLED_APPS`` and
when ``rapidsms.backends.urls`` is imported (whichever comes first; Django
keeps one copy of each check).

* ``rapidsms.backends.W001`` a backend receives over HTTP without a secret
  (anyone who finds the URL can inject messages).
* ``rapidsms.backends.E001`` the same, under ``manage.py check --deploy``.
* ``rapidsms.backends.W004`` a backend receives over HTTP but
  ``rapidsms.backends.inbound`` is not in ``INSTALLED_APPS``: messages are
  routed, but retries are not de-duplicated and delivery reports not stored.
* ``rapidsms.backends.E002`` the same, under ``manage.py check --deploy``.
* ``rapidsms.backends.W002`` a backend's name cannot be used in a URL, so it
  is not mounted by ``rapidsms.backends.urls``.
* ``rapidsms.backends.W003`` a URL of the project's URLconf serves a
  ``backend_name`` that is not in ``INSTALLED_BACKENDS`` (a RapidSMS 2.x
  URLconf): it accepts messages from anyone, and replies cannot be sent.
* ``rapidsms.backends.E003`` the same, under ``manage.py check --deploy``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps as django_apps
from django.core import checks
from django.utils.module_loading import import_string

from rapidsms.backends.inbound import INBOUND_APP
from rapidsms.conf import get_setting

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


def served_backends() -> Iterator[tuple[str, Any]]:
    """Yield ``(name, backend)`` for every configured backend that receives over HTTP.

    Those with inbound URLs of their own, and those whose view a URLconf
    mounts by name (RapidSMS 2.x add-ons).
    """
    seen = set()
    for name, backend in inbound_backends():
        seen.add(name)
        yield name, backend
    configured = get_setting("INSTALLED_BACKENDS")
    if not isinstance(configured, dict):
        return
    try:
        names = sorted({name for _, name in gateway_urls()})
    except Exception:  # a broken URLconf: Django's own URL checks report it
        return
    for name in names:
        cls = backend_class(configured.get(name))
        if name in seen or cls is None:
            continue
        conf = configured[name]
        options = {str(key).lower(): value for key, value in conf.items() if key != "ENGINE"}
        try:
            yield name, cls(None, name, **options)
        except Exception:
            continue


def _unsecured(level: type[checks.CheckMessage], check_id: str) -> list[checks.CheckMessage]:
    found = []
    for name, backend in served_backends():
        has_auth = getattr(backend, "has_inbound_authentication", None)
        if has_auth is not None and has_auth():
            continue
        if has_auth is None and getattr(backend, "_config", {}).get("inbound_secrets"):
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


def _missing_inbound_app(level: type[checks.CheckMessage],
                         check_id: str) -> list[checks.CheckMessage]:
    if django_apps.is_installed(INBOUND_APP):
        return []
    names = [name for name, _ in inbound_backends()]
    try:
        names += sorted({name for _, name in gateway_urls()} - set(names))
    except Exception:  # a broken URLconf: Django's own URL checks report it
        pass
    if not names:
        return []
    return [level(
        f"The backends {', '.join(map(repr, names))} receive over HTTP without the "
        f"{INBOUND_APP!r} app: their messages are routed, but a gateway's retry of a message "
        "may be routed twice and delivery reports are not stored.",
        hint=f"Add {INBOUND_APP!r} to INSTALLED_APPS and run manage.py migrate.",
        id=check_id,
    )]


@checks.register("rapidsms")
def check_inbound_app(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when a backend receives over HTTP without the inbound app installed."""
    return _missing_inbound_app(checks.Warning, "rapidsms.backends.W004")


@checks.register("rapidsms", deploy=True)
def check_inbound_app_deploy(app_configs: Any = None,
                             **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse a deployment whose gateways' retries would not be de-duplicated."""
    return _missing_inbound_app(checks.Error, "rapidsms.backends.E002")


def gateway_urls() -> Iterator[tuple[str, str]]:
    """Yield ``(url, backend name)`` for each URL of the URLconf serving a gateway view.

    Only views that name their backend in the URLconf count
    (``SomeView.as_view(backend_name="name")``, as RapidSMS 2.x URLconfs do).
    """
    from django.urls import URLPattern, URLResolver, get_resolver

    from rapidsms.backends.inbound.views import GatewayView

    pending: list[tuple[str, Any]] = [("/", get_resolver())]
    while pending:
        prefix, resolver = pending.pop()
        for entry in resolver.url_patterns:
            url = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                pending.append((url, entry))
                continue
            if not isinstance(entry, URLPattern):
                continue
            view_class = getattr(entry.callback, "view_class", None)
            if not (inspect.isclass(view_class) and issubclass(view_class, GatewayView)):
                continue
            initkwargs = getattr(entry.callback, "view_initkwargs", None) or {}
            name = initkwargs.get("backend_name") or view_class.backend_name
            if name:
                yield url, name


def unconfigured_backend_urls() -> Iterator[tuple[str, str]]:
    """Yield ``(url, backend name)`` for each URL serving a backend missing from settings."""
    configured = get_setting("INSTALLED_BACKENDS")
    configured = configured if isinstance(configured, dict) else {}
    for url, name in gateway_urls():
        if name not in configured:
            yield url, name


def _unconfigured(level: type[checks.CheckMessage], check_id: str) -> list[checks.CheckMessage]:
    try:
        found = list(unconfigured_backend_urls())
    except Exception:  # a broken URLconf: Django's own URL checks report it
        return []
    return [level(
        f"The URL {url!r} receives messages for backend {name!r}, which is not in "
        "INSTALLED_BACKENDS: it accepts messages from anyone (no inbound_secrets), and "
        "replies to them cannot be sent.",
        hint=f"Add INSTALLED_BACKENDS[{name!r}] = {{'ENGINE': '<the backend class>', "
        "'inbound_secrets': ['<a long random string>']}, and give the gateway the URL with "
        "?token=<that string>.",
        id=check_id,
    ) for url, name in found]


@checks.register(checks.Tags.security, checks.Tags.urls)
def check_unconfigured_backend_urls(app_configs: Any = None,
                                    **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn about URLs that serve a backend missing from ``INSTALLED_BACKENDS``."""
    return _unconfigured(checks.Warning, "rapidsms.backends.W003")


@checks.register(checks.Tags.security, checks.Tags.urls, deploy=True)
def check_unconfigured_backend_urls_deploy(app_configs: Any = None,
                                           **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse a deployment with a URL that serves a backend missing from settings."""
    return _unconfigured(checks.Error, "rapidsms.backends.E003")


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
