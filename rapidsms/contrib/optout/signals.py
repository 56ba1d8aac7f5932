"""Keep numbers opted out when their contact is deleted."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from rapidsms.models import Contact


@receiver(pre_delete, sender=Contact, dispatch_uid="rapidsms.contrib.optout.keep_numbers")
def keep_connections_opted_out(sender: Any, instance: Contact, **kwargs: Any) -> None:
    """Turn a deleted contact's opt-out into opt-outs of each of its connections.

    Without this, deleting a contact would silently opt its numbers back in.
    """
    from rapidsms.contrib.optout.models import OptOut

    contact_opt_out = OptOut.objects.filter(contact=instance).first()
    if contact_opt_out is None:
        return
    for connection in instance.connection_set.all():
        OptOut.objects.get_or_create(
            connection=connection, defaults={"keyword": contact_opt_out.keyword}
        )
