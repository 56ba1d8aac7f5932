"""Keep numbers opted out when their contact is deleted, and check opt-outs at send time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from rapidsms.models import Contact
from rapidsms.signals import send_veto

#: Why a send-time check held a message back.
OPTED_OUT = "opted out"


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


@receiver(send_veto, dispatch_uid="rapidsms.contrib.optout.veto_opted_out")
def veto_opted_out(
    sender: Any,
    backend: str,
    identities: Sequence[str],
    answers: Collection[str] = (),
    written: datetime | None = None,
    **kwargs: Any,
) -> dict[str, str] | None:
    """Hold back a queued message from whoever opted out since the outgoing phase let it through.

    The ``outgoing`` phase checked when the message was written; a retry,
    a resend after a crash or an operator's "retry failed" may come after
    the recipient's STOP. A reply to the recipient's own message
    (``answers``) still goes, as the phase decided: the STOP confirmation
    is one. ``written`` (when given) counts only opt-outs made since then:
    a message written after the opt-out was let through by the phase, as a
    reply, even where the caller cannot say whom it answers.
    """
    from rapidsms.contrib.optout.models import opted_out_identities

    candidates = [identity for identity in identities if identity not in answers]
    if not candidates:
        return None
    found = opted_out_identities(backend, candidates, since=written)
    return {identity: OPTED_OUT for identity in found} or None
