"""Tie the ids Vumi gives our messages to our own ids, so that events find their message.

Vumi answers a send request with the messages it created, each with its own
``message_id``; every later event names the message by that id
(``user_message_id``) and says nothing of ours, nor of the recipient.
:func:`remember` stores the pairs (when ``rapidsms.backends.vumi`` is
installed) and :func:`lookup` finds them when an event comes in.

An event can overtake the answer it refers to (Vumi may acknowledge a
message before its answer to us has been read). Such a report is stored at
once without our message id; :func:`remember` then fills it in and sends the
``delivery_report`` signal again, now with the message id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import DatabaseError, transaction

logger = logging.getLogger("rapidsms.backends.vumi")

VUMI_APP = "rapidsms.backends.vumi"
INBOUND_APP = "rapidsms.backends.inbound"

#: Backends already told that the app is missing (said once per process, not per message).
_warned: set[str] = set()


@dataclass(frozen=True)
class Link:
    """Our message id and recipient of a message Vumi knows as ``vumi_id``."""

    vumi_id: str
    message_id: str
    identity: str


def enabled() -> bool:
    """Return True when the table of links exists (the app is installed)."""
    return apps.is_installed(VUMI_APP)


def remember(backend: Any, links: Iterable[Link]) -> None:
    """Store ``links`` for ``backend`` and complete reports that arrived before them.

    Called after Vumi accepted a message, so it never raises: a database
    failure here is logged, and the message counts as sent.
    """
    links = list(links)
    if not links:
        return
    if not enabled():
        if backend.name not in _warned:
            _warned.add(backend.name)
            logger.warning(
                "Backend %s: Vumi events cannot be tied to our messages: add %r to "
                "INSTALLED_APPS and run manage.py migrate.", backend.name, VUMI_APP,
            )
        return
    from rapidsms.backends.vumi.models import SentMessage

    try:
        with transaction.atomic():
            SentMessage.objects.bulk_create(
                [SentMessage(backend=backend.name, vumi_id=link.vumi_id,
                             message_id=link.message_id, identity=link.identity)
                 for link in links],
                ignore_conflicts=True,  # Vumi answered the same id twice: keep the first
            )
    except DatabaseError:
        logger.exception("Backend %s: could not store the Vumi ids of message %s; its events "
                         "will not name it.", backend.name, links[0].message_id)
        return
    _complete_early_reports(backend, links)


def lookup(backend_name: str, vumi_id: str) -> Link | None:
    """Return the link of the message Vumi calls ``vumi_id``, or None if unknown."""
    if not enabled():
        return None
    from rapidsms.backends.vumi.models import SentMessage

    found = (SentMessage.objects.filter(backend=backend_name, vumi_id=vumi_id)
             .values_list("message_id", "identity").first())
    if found is None:
        return None
    return Link(vumi_id=vumi_id, message_id=found[0], identity=found[1])


def _complete_early_reports(backend: Any, links: list[Link]) -> None:
    """Give reports stored before their link our message id, and signal them again."""
    if not apps.is_installed(INBOUND_APP):
        return
    from rapidsms.backends.inbound.models import DeliveryReport
    from rapidsms.backends.inbound.reports import record_delivery_report

    by_vumi_id = {link.vumi_id: link for link in links}
    try:
        early = list(DeliveryReport.objects.filter(
            backend=backend.name, message_id="", external_id__in=list(by_vumi_id)))
        for report in early:
            link = by_vumi_id[report.external_id]
            report.message_id, report.identity = link.message_id, link.identity
            with transaction.atomic():
                record_delivery_report(backend, report)
    except DatabaseError:
        logger.exception("Backend %s: could not tie earlier Vumi events to message %s.",
                         backend.name, links[0].message_id)
