"""The SMS app behind ``rapidsms.contrib.optout``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rapidsms.apps.base import AppBase
from rapidsms.conf import get_setting
from rapidsms.contrib.optout import keywords
from rapidsms.contrib.optout.models import is_opted_out, opt_in, opt_out, opted_out_ids
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.utils.translation import connection_language, in_language, render_text

logger = logging.getLogger(__name__)

#: Default of ``RAPIDSMS_OPTOUT_CONFIRMATION``.
OPTOUT_CONFIRMATION = _(
    "You have been unsubscribed from %(project_name)s and will get no more messages. "
    "Send %(keyword)s to subscribe again."
)

#: Default of ``RAPIDSMS_OPTIN_CONFIRMATION``.
OPTIN_CONFIRMATION = _(
    "You are subscribed to %(project_name)s again. Send %(keyword)s to stop."
)


class OptOutApp(AppBase):
    """Honour STOP and START, and keep bulk sends away from opted-out connections.

    ``handle``: a message that is, as a whole, one of
    ``RAPIDSMS_OPTOUT_KEYWORDS`` (``STOP``, ``stop!``, ``Arrêt``) opts the
    sender out and is confirmed; "please stop by" is not a STOP. One of
    ``RAPIDSMS_OPTIN_KEYWORDS`` (``START``) opts an opted-out sender back in
    and is confirmed; from anyone else it is left to the other apps.

    ``outgoing``: opted-out connections are removed from every message that
    is not a reply to them, and a message left with no connection is
    cancelled. A reply (a message whose ``in_response_to`` is set) still
    reaches the connections of the message it answers: someone who writes
    in, STOP included, gets the answer. The removed connections are listed
    in the message's ``opted_out_connections``.
    """

    def handle(self, msg: IncomingMessage) -> bool | None:
        if not msg.connections:
            return None
        if keywords.matches(msg.text, keywords.optout_keywords()):
            for connection in msg.connections:
                opt_out(connection, keyword=msg.text)
            logger.info("Opted out %s.", ", ".join(c.identity for c in msg.connections))
            self._confirm(msg, "RAPIDSMS_OPTOUT_CONFIRMATION", OPTOUT_CONFIRMATION,
                          keywords.optin_keywords())
            return True
        if keywords.matches(msg.text, keywords.optin_keywords()):
            connection = msg.connections[0]
            if not is_opted_out(connection):
                return None  # not ours: START may mean something to another app
            for connection in msg.connections:
                opt_in(connection)
            logger.info("Opted in %s.", ", ".join(c.identity for c in msg.connections))
            self._confirm(msg, "RAPIDSMS_OPTIN_CONFIRMATION", OPTIN_CONFIRMATION,
                          keywords.optout_keywords())
            return True
        return None

    def outgoing(self, msg: OutgoingMessage) -> bool | None:
        connections = list(msg.connections)
        answered = set()
        if msg.in_response_to is not None:
            answered = {conn.pk for conn in getattr(msg.in_response_to, "connections", [])}
        to_check = [conn.pk for conn in connections if conn.pk not in answered]
        if not to_check:
            return None
        blocked = opted_out_ids(to_check)
        if not blocked:
            return None
        kept = [conn for conn in connections if conn.pk not in blocked]
        removed = [conn for conn in connections if conn.pk in blocked]
        msg.connections = kept
        msg.opted_out_connections = removed  # type: ignore[attr-defined]
        logger.info(
            "Message %s is not sent to %d opted-out connection(s): %s.",
            msg.id,
            len(removed),
            ", ".join(conn.identity for conn in removed),
        )
        return False if not kept else None

    def _confirm(
        self, msg: IncomingMessage, setting: str, default: object, next_keywords: list[str]
    ) -> None:
        text = getattr(settings, setting, default)
        if text is None:
            return
        with in_language(connection_language(msg.connections[0])):
            reply = render_text(text)  # type: ignore[arg-type]
        values = {
            "project_name": get_setting("PROJECT_NAME"),
            "keyword": next_keywords[0] if next_keywords else "",
        }
        try:
            reply = reply % values
        except (KeyError, TypeError, ValueError) as exc:
            # A mistake in the setting must not cost the sender the confirmation.
            logger.error("%s %r cannot be formatted (%s); sending it as written.",
                         setting, reply, exc)
        msg.respond(reply)
