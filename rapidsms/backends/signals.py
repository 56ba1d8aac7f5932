"""Signals the gateway backends send.

``delivery_report``
    Sent once for every delivery report a gateway posts, after it is stored.
    The sender is the backend's class, so a receiver can listen to one
    gateway only (``delivery_report.connect(handler, sender=KannelBackend)``).
    Keyword arguments:

    ``backend``      the backend's name (the key of ``INSTALLED_BACKENDS``)
    ``message_id``   the id of our message the report is about (``""`` when
                     the gateway did not say)
    ``identity``     the recipient (E.164 where the backend normalises numbers)
    ``status``       a :class:`rapidsms.backends.status.Status`
    ``raw_status``   the gateway's own word for the status
    ``error``        the gateway's error text, ``""`` if none
    ``external_id``  the gateway's id of the message
    ``raw``          the report as the gateway sent it (a dict)
    ``report``       the stored :class:`rapidsms.backends.inbound.models.DeliveryReport`

    Receivers run inside the request that brought the report. One that
    raises is logged and does not stop the others, nor the answer to the
    gateway: the report is already stored.
"""

from __future__ import annotations

from django.dispatch import Signal

delivery_report = Signal()
