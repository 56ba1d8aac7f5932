"""Hand a gateway's messages to the router, each one once: claim, de-duplicate, route.

Whatever way a message comes in (a gateway's request to an inbound view, a
poller reading a gateway's API), it goes through an :class:`Intake`:

1. when it carries the gateway's id and the backend has a ``dedupe_window``,
   the id is *claimed* (:mod:`~rapidsms.backends.inbound.dedupe`): a message
   claimed and routed before is a duplicate and is not routed again, and one
   being routed by another request right now is
   :class:`~rapidsms.errors.Unavailable` (503: the gateway sends it again);
2. its connection is found (or made) and it is handed to
   :func:`rapidsms.router.receive`;
3. when routing fails, the claim is given back, so the retry is routed.

With a router that only stores the message in ``receive()`` (the durable
router), or inside a transaction of the caller's (a poller moving its
cursor), the claim and the routing share one transaction: one commit, and a
failure rolls both back.

A view and a poller of the same backend share the claims, so a message that
arrives both ways is routed once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import Error as AnyDatabaseError  # DatabaseError, InterfaceError
from django.db import transaction

from rapidsms.backends.inbound import dedupe, tables_installed
from rapidsms.errors import Unavailable

logger = logging.getLogger("rapidsms.backends.inbound")


@dataclass
class GatewayMessage:
    """A message as a gateway delivered it, before it is routed.

    ``identity`` is the sender as the gateway wrote it (normalised by the
    view), ``external_id`` the gateway's id of the message (used to route a
    retry once; ``""`` if the gateway gives none), ``fields`` extra data for
    the apps (``msg.fields``). ``connection`` is set only by parsers that
    look the connection up themselves (RapidSMS 2.x forms).
    """

    identity: str
    text: str
    external_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    connection: Any = None


class Intake:
    """Route the incoming messages of ``backend``, each gateway id once within ``window``.

    ``window`` is in seconds (0: no de-duplication); ids are remembered
    only where the inbound app's tables are installed. ``hand_over`` is
    what routes a claimed message: :meth:`pass_to_router` unless given (an
    inbound view passes its own ``pass_to_router()``, so that a gateway's
    override of it runs). Subclass to do more for every message of a
    gateway, whichever way it came (RapidPro keeps the contact's UUID).
    """

    def __init__(self, backend: Any, window: int,
                 hand_over: Callable[[GatewayMessage], None] | None = None) -> None:
        self.backend = backend
        self.window = int(window or 0)
        self.hand_over = hand_over or self.pass_to_router

    def deduplicates(self, message: GatewayMessage) -> bool:
        """Return whether ``message``'s id is claimed before it is routed."""
        return bool(message.external_id and self.window and tables_installed())

    def route(self, message: GatewayMessage) -> bool:
        """Route ``message``; return False for a duplicate left unrouted.

        When routing fails, the claim on the message's id is released and
        the exception raised again: a view answers 503 or 500, and the
        gateway's retry is routed.
        """
        from rapidsms.router import get_router

        if self.deduplicates(message) and get_router().stores_incoming_first:
            return self.route_in_one_transaction(message)
        claimed_at = None
        if self.deduplicates(message):
            claimed_at = self.claim_id(message)
            if claimed_at is None:
                return False
        try:
            self.hand_over(message)
        except Exception:
            if claimed_at is not None:
                try:
                    dedupe.release(self.backend.name, message.external_id, claimed_at)
                except AnyDatabaseError:
                    logger.exception("Backend %s: could not release the claim on %s.",
                                     self.backend.name, message.external_id)
            raise
        if claimed_at is not None:
            try:
                dedupe.mark_routed(self.backend.name, message.external_id, claimed_at)
            except AnyDatabaseError:
                # Routed, but not marked: a late retry may route it again.
                logger.exception("Backend %s: could not mark %s as routed.",
                                 self.backend.name, message.external_id)
        return True

    def route_in_one_transaction(self, message: GatewayMessage) -> bool:
        """Claim the message's id and route the message in one transaction.

        For a router that only stores the message in ``receive()``, and for
        callers whose own transaction must hold the routing too: one commit
        instead of three, and a failure rolls back the claim with the
        message. A retry arriving meanwhile waits for that commit, then is a
        duplicate.
        """
        stored: list[bool] = []
        try:
            # No savepoint inside a caller's transaction (a view that found
            # the connection in it): two round trips fewer per message.
            with transaction.atomic(savepoint=False):
                # Registered first, so it runs first once the message is
                # committed: work the router does after the commit (eager
                # mode) may fail, but the message is stored by then.
                transaction.on_commit(lambda: stored.append(True))
                if self.deduplicates(message) and self.claim_id(message, routed=True) is None:
                    return False
                self.hand_over(message)
        except Unavailable:
            raise
        except Exception:
            if stored:
                logger.exception("Backend %s: message %s was stored, then failed.",
                                 self.backend.name, message.external_id)
                return True
            raise  # nothing was stored: a view answers 503 or 500
        return True

    def claim_id(self, message: GatewayMessage, routed: bool = False) -> datetime | None:
        """Claim the message's gateway id; return the claim's time, or None for a duplicate.

        Raise :class:`~rapidsms.errors.Unavailable` while another request is
        routing it.
        """
        try:
            claimed_at = dedupe.claim(self.backend.name, message.external_id,
                                      timedelta(seconds=self.window), routed=routed)
        except dedupe.ClaimInProgress as exc:
            logger.info("Backend %s: message %s is being routed by another request.",
                        self.backend.name, message.external_id)
            raise Unavailable("This message is being received right now; "
                              "send it again later.") from exc
        if claimed_at is None:
            logger.info("Backend %s: message %s was already received; not routed again.",
                        self.backend.name, message.external_id)
        return claimed_at

    def pass_to_router(self, message: GatewayMessage) -> None:
        """Find the message's connection and hand the message to ``receive()``.

        ``msg.fields`` gets the message's ``fields``, and its gateway id as
        ``external_id``.
        """
        from rapidsms.router import receive

        connection = self.connection(message)
        fields = dict(message.fields)
        if message.external_id:
            fields.setdefault("external_id", message.external_id)
        receive(message.text, connection, fields=fields)

    def connection(self, message: GatewayMessage) -> Any:
        """Return the message's connection, found or made from its identity (and keep it)."""
        from rapidsms.router import lookup_connections

        if message.connection is None:
            message.connection = lookup_connections(self.backend.name, [message.identity])[0]
        return message.connection
