"""RapidSMS 2.x's ``web_message()`` view helper, kept as a deprecated module.

Use :func:`django.shortcuts.render` with a template of your own, or
Django's messages framework. Importing this module raises a
``DeprecationWarning``. ``web_message()`` works again: in RapidSMS 2.x it
called a function Django had removed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapidsms.deprecation import warn_module_imported

warn_module_imported("rapidsms.utils.web_message", "django.shortcuts.render()")

__all__ = ["web_message"]


def web_message(req: HttpRequest, msg: str, link: str | None = None) -> HttpResponse:
    """Return a page showing ``msg``, with a "Continue" link to ``link`` if given.

    The template is ``message.html`` (context ``message`` and ``link``), as
    in RapidSMS 2.x; the package's own extends ``rapidsms/base.html``.
    """
    return render(req, "message.html", {"message": msg, "link": link})
