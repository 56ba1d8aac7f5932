"""URLs of every configured backend that receives over HTTP.

Include it once in the project's URLconf::

    path("backends/", include("rapidsms.backends.urls")),

For each backend in ``INSTALLED_BACKENDS`` whose class names an
``inbound_view`` or ``status_view``, this mounts

* ``backends/<name>/``, named ``<name>-inbound``: messages from the gateway;
* ``backends/<name>/status/``, named ``<name>-status``: delivery reports.

The patterns are built from ``INSTALLED_BACKENDS`` when Django first loads
the URLconf: after adding a backend, restart the server. Backends whose
``ENGINE`` cannot be imported are left out (``manage.py check`` says why).
Tests that change ``INSTALLED_BACKENDS`` can build their own patterns with
:func:`backend_urlpatterns`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import URLPattern, path
from django.utils.module_loading import import_string

from rapidsms.backends.inbound import checks  # noqa: F401  (registers the checks)
from rapidsms.backends.inbound.checks import URL_SAFE_NAME, backend_class
from rapidsms.conf import get_setting

logger = logging.getLogger("rapidsms.backends")

#: (URL suffix, class attribute naming the view, suffix of the URL name)
ROUTES = (("", "inbound_view", "inbound"), ("status/", "status_view", "status"))


def backend_urlpatterns(backends: dict[str, Any] | None = None) -> list[URLPattern]:
    """Return the URL patterns of ``backends`` (default: ``INSTALLED_BACKENDS``)."""
    if backends is None:
        backends = get_setting("INSTALLED_BACKENDS")
    patterns: list[URLPattern] = []
    if not isinstance(backends, dict):
        return patterns
    for name, conf in backends.items():
        cls = backend_class(conf)
        if cls is None:
            continue
        for suffix, attribute, kind in ROUTES:
            view = getattr(cls, attribute, None)
            if view is None:
                continue
            if not URL_SAFE_NAME.fullmatch(name):
                logger.warning("Backend %r is not mounted: its name is not usable in a URL.",
                               name)
                break
            if isinstance(view, str):
                view = import_string(view)
            patterns.append(
                path(f"{name}/{suffix}", view.as_view(backend_name=name), name=f"{name}-{kind}")
            )
    return patterns


urlpatterns = backend_urlpatterns()
