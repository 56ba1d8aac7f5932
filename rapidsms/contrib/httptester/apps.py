"""Django app configuration of the message tester."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HttpTesterConfig(AppConfig):
    name = "rapidsms.contrib.httptester"
    label = "httptester"
    verbose_name = _("Message tester")

    def ready(self) -> None:
        from rapidsms import extensions
        from rapidsms.contrib.httptester import checks  # noqa: F401  (registers the checks)

        extensions.register_page(extensions.Page(
            url_name="httptester-index", title=_("Message tester"),
            description=_("Send a text as if a phone had sent it, and see the replies."),
            order=10,
        ))
