"""Django app configuration of the messaging page."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "rapidsms.contrib.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.AutoField"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from rapidsms import extensions

        extensions.register_page(extensions.Page(
            url_name="messaging", title=_("Messaging"),
            description=_("Send one message to many contacts."), order=30,
        ))
