"""Django app configuration of the contacts pages and the JOIN and LANGUAGE handlers."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "rapidsms.contrib.registration"
    label = "registration"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from rapidsms import extensions

        extensions.register_page(extensions.Page(
            url_name="registration", title=_("Contacts"),
            description=_("Add, edit and import the people you write to."), order=40,
        ))
