"""Who opted out, and the functions that read and change it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapidsms.models import Connection, Contact

# Connection ids per query: well under every database's limit on query parameters.
_QUERY_CHUNK = 500


class OptOut(models.Model):
    """A contact, or a connection without a contact, that asked for no more messages.

    Exactly one of ``contact`` and ``connection`` is set. A contact's opt-out
    covers all of its connections, present and future; deleting the contact
    turns it into opt-outs of its connections, so the numbers stay opted
    out. ``keyword`` is the message that opted them out.
    """

    contact = models.OneToOneField(
        Contact,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="opt_out",
        verbose_name=_("contact"),
    )
    connection = models.OneToOneField(
        Connection,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="opt_out",
        verbose_name=_("connection"),
    )
    keyword = models.CharField(_("keyword"), max_length=100, blank=True)
    created_on = models.DateTimeField(_("opted out on"), auto_now_add=True)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, connection__isnull=True)
                | Q(contact__isnull=True, connection__isnull=False),
                name="optout_contact_or_connection",
            )
        ]

    def __str__(self) -> str:
        return str(self.contact or self.connection)


def opt_out(connection: Connection, keyword: str = "") -> OptOut:
    """Opt ``connection`` out: its contact if it has one, else the connection itself."""
    keyword = keyword.strip()[:100]
    if connection.contact_id is not None:
        row, _created = OptOut.objects.get_or_create(
            contact_id=connection.contact_id, defaults={"keyword": keyword}
        )
    else:
        row, _created = OptOut.objects.get_or_create(
            connection=connection, defaults={"keyword": keyword}
        )
    return row


def opt_in(connection: Connection) -> bool:
    """Opt ``connection`` back in (and its contact); return whether it was opted out."""
    covering = Q(connection=connection)
    if connection.contact_id is not None:
        covering |= Q(contact_id=connection.contact_id)
    deleted, _by_model = OptOut.objects.filter(covering).delete()
    return deleted > 0


def is_opted_out(connection: Connection) -> bool:
    """Return whether ``connection`` (or its contact) opted out."""
    return connection.pk is not None and bool(opted_out_ids([connection.pk]))


def opted_out_ids(connection_ids: Iterable[Any]) -> set[Any]:
    """Return the ids, among ``connection_ids``, of the connections that opted out.

    A connection is opted out when it, or its contact as the database has it
    now, has an :class:`OptOut`. Reads at most one query per 500 ids.
    """
    ids = sorted({pk for pk in connection_ids if pk is not None})
    found: set[Any] = set()
    for start in range(0, len(ids), _QUERY_CHUNK):
        chunk = ids[start : start + _QUERY_CHUNK]
        found.update(
            Connection.objects.filter(pk__in=chunk)
            .filter(Q(opt_out__isnull=False) | Q(contact__opt_out__isnull=False))
            .values_list("pk", flat=True)
        )
    return found


def opted_out_identities(
    backend_name: str, identities: Sequence[str], since: datetime | None = None
) -> set[str]:
    """Return the identities, among ``identities`` on ``backend_name``, that opted out.

    ``since`` counts only opt-outs made at or after that time. An identity
    with no connection never opted out. Reads at most one query per 500.
    """
    own = Q(opt_out__isnull=False)
    by_contact = Q(contact__opt_out__isnull=False)
    if since is not None:
        own = Q(opt_out__created_on__gte=since)
        by_contact = Q(contact__opt_out__created_on__gte=since)
    wanted = sorted(set(identities))
    found: set[str] = set()
    for start in range(0, len(wanted), _QUERY_CHUNK):
        chunk = wanted[start : start + _QUERY_CHUNK]
        found.update(
            Connection.objects.filter(backend__name=backend_name, identity__in=chunk)
            .filter(own | by_contact)
            .values_list("identity", flat=True)
        )
    return found
