"""Sending one text to many people in one request, for a backend that can.

A backend with a ``coalesce_window`` (RapidPro's broadcasts) lets sends of
the same text gather for that long; the durable router then claims them
together (:func:`~rapidsms.router.db.store.claim_with_same_text`) and
hands each text to the backend's ``send_many()`` once. This mixin holds
that part of :class:`~rapidsms.router.db.router.DatabaseRouter`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from rapidsms.backends.results import gateway_ids
from rapidsms.errors import MessageSendingError
from rapidsms.router.db import store
from rapidsms.router.db.announce import announce
from rapidsms.router.db.models import Transmission


class CoalescingSends:
    """The durable router's sends of one text to many messages' recipients at once."""

    def coalesce_window(self, backend_name: str) -> float:
        """Return how long sends through ``backend_name`` wait for others of the same text."""
        backend = self.backends.get(backend_name)
        return float(getattr(backend, "coalesce_window", 0) or 0) if backend else 0.0

    def _send_together(
        self, backend_name: str, groups: list[list[Transmission]]
    ) -> dict[int, Any]:
        """Send the messages of a claim that share a text with one ``send_many()`` each.

        Only for a backend with a ``coalesce_window``; return ``{message id:
        what send() would have returned or raised}`` for the messages sent.
        """
        backend = self.backends.get(backend_name)
        if backend is None or self.coalesce_window(backend_name) <= 0:
            return {}
        by_text: dict[str, list[list[Transmission]]] = {}
        for group in groups:
            by_text.setdefault(group[0].message.text, []).append(group)
        outcomes: dict[int, Any] = {}
        for text, same in by_text.items():
            if len(same) < 2:
                continue
            messages = [(g[0].message.pk, [row.identity for row in g],
                         g[0].message.backend_context) for g in same]
            try:
                outcomes.update(backend.send_many(text, messages))
            except Exception as exc:
                outcomes.update((pk, exc) for pk, _, _ in messages)
        return outcomes

    def _record_together(
        self,
        backend_name: str,
        message_id: int | None,
        kind: str,
        groups: list[list[Transmission]],
        outcomes: dict[int, Any],
        token: Any,
        park: bool,
    ) -> None:
        """Record the outcomes of the messages one ``send_many()`` sent, in one transaction.

        Those that failed for now share one retry time and one task: they
        would go in one request again. Until all is recorded no other worker
        sees them, so none takes a few of them early at its own time.
        """
        backend = self.backends[backend_name]
        sent = [group for group in groups if group[0].message.pk in outcomes]
        retries: list[tuple[datetime, list[int]]] = []
        with transaction.atomic():
            for group in sent:
                pk = group[0].message.pk
                try:
                    results = self.read_send_outcome(
                        backend, pk, [row.identity for row in group], outcomes[pk])
                except MessageSendingError as exc:
                    retries += store.record_failure(group, token, exc, park)
                else:
                    by_identity = gateway_ids(results)
                    store.record_sent(group, token, {row.pk: by_identity[row.identity]
                                                     for row in group
                                                     if row.identity in by_identity})
            if retries:
                store.align_retries(token)
        for group in sent:
            announce(group)
        if retries:
            first = min(retry_at for retry_at, _ in retries)
            ids = [pk for _, retry_ids in retries for pk in retry_ids]
            self.dispatch_send(backend_name, message_id, ids, kind, eta=first)
