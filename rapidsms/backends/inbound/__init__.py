"""What the gateway backends need in the database: inbound de-duplication and
delivery reports, plus the base views that receive from gateways.

Add ``"rapidsms.backends.inbound"`` to ``INSTALLED_APPS`` (and run
``migrate``) in any project whose backends receive over HTTP; the system
check ``rapidsms.backends.W004`` reminds you. Without it (a RapidSMS 2.x
project's settings) messages are still received and routed, but a gateway's
retry may be routed twice and delivery reports are not stored. Registering
the app also registers the inbound-security system checks.

Modules: :mod:`~rapidsms.backends.inbound.views` (the base views),
:mod:`~rapidsms.backends.inbound.security` (token checks),
:mod:`~rapidsms.backends.inbound.dedupe` (routing a gateway retry once),
:mod:`~rapidsms.backends.inbound.reports` (storing and signalling delivery
reports), :mod:`~rapidsms.backends.inbound.models`,
:mod:`~rapidsms.backends.inbound.checks`.
"""

from __future__ import annotations

import functools
import logging

from django.apps import apps as django_apps

INBOUND_APP = "rapidsms.backends.inbound"

logger = logging.getLogger("rapidsms.backends.inbound")


def tables_installed() -> bool:
    """Return whether this app, and so its tables, is installed; warn once when not.

    The views de-duplicate gateway retries and store delivery reports only
    then; without it they still route every message.
    """
    if django_apps.is_installed(INBOUND_APP):
        return True
    _warn_missing_app()
    return False


@functools.cache
def _warn_missing_app() -> None:
    logger.warning(
        "%r is not in INSTALLED_APPS: a gateway's retry of a message may be routed twice and "
        "delivery reports are not stored. Add it and run manage.py migrate (system check "
        "rapidsms.backends.W004).", INBOUND_APP,
    )
