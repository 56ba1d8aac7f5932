"""The permission to send one message to many recipients: ``messaging.send_bulk``.

The app keeps no data. :class:`BulkSending` has no table; it exists so that
Django creates the permission, which an admin grants to a user or a group.
Superusers have it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BulkSending(models.Model):
    """No rows and no table: the holder of the ``send_bulk`` permission."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("send_bulk", _("Can send one message to many recipients"))]
        verbose_name = _("bulk sending")
        verbose_name_plural = _("bulk sending")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
