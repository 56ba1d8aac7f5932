"""What the message tester does with a text: store it, route it, read the conversation back.

The tester's backend is a real ``DatabaseBackend`` named ``message_tester``:
the router's replies land in its ``BackendMessage`` table as outgoing rows,
and the tester writes each text it receives there as an incoming row, so
the table holds both sides of every conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max, QuerySet

from rapidsms.backends import encoding
from rapidsms.backends.database import DatabaseBackend
from rapidsms.contrib.httptester import BACKEND_NAME, SETTINGS_HINT
from rapidsms.deprecation import warn_deprecated
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.router import get_router, lookup_connections, receive

if TYPE_CHECKING:
    from rapidsms.backends.database.models import BackendMessage

logger = logging.getLogger(__name__)

# The direction codes of the database backend's table.
INCOMING, OUTGOING = "I", "O"


class TesterNotConfigured(ImproperlyConfigured):
    """Raise when the tester cannot work: its backend or its table is missing."""


@dataclass(frozen=True)
class ConversationEntry:
    """One message of a conversation, with what it costs as SMS."""

    message: BackendMessage
    incoming: bool
    characters: int
    segments: int
    ucs2: bool

    @property
    def date(self) -> datetime:
        return self.message.date

    @property
    def text(self) -> str:
        return self.message.text


def check_configuration() -> str | None:
    """Raise :class:`TesterNotConfigured` naming the setting to fix, if any.

    Return a warning when the tester works only in part: without a
    ``message_tester`` backend (as under RapidSMS 2.x's test harness, which
    installs its own backends) messages are still stored and routed, as in
    RapidSMS 2.x, but no reply can be sent back to the page.
    """
    if not django_apps.is_installed("rapidsms.backends.database"):
        raise TesterNotConfigured(
            "The message tester stores messages in the database backend's table: add "
            '"rapidsms.backends.database" to INSTALLED_APPS and run manage.py migrate.'
        )
    try:
        backend = get_router().backends.get(BACKEND_NAME)
    except ImproperlyConfigured as exc:
        raise TesterNotConfigured(f"The router could not be built: {exc}") from exc
    if backend is None:
        return (f"The message tester has no backend named {BACKEND_NAME!r}: messages are "
                "routed, but their replies cannot appear here. Add it to INSTALLED_BACKENDS "
                f"in settings.py: {SETTINGS_HINT}")
    if not isinstance(backend, DatabaseBackend):
        raise TesterNotConfigured(
            f"INSTALLED_BACKENDS[{BACKEND_NAME!r}] must use the database backend, whose "
            f"table the tester reads the replies from: {SETTINGS_HINT}"
        )
    return None


def tester_messages() -> QuerySet[Any]:
    """Return the tester's rows of the database backend's table."""
    # Imported here: without its app installed the model cannot load, and the
    # page must still be able to say what to fix.
    from rapidsms.backends.database.models import BackendMessage

    return BackendMessage.objects.filter(name=BACKEND_NAME)


def store_and_queue(identity: str, text: str) -> IncomingMessage:
    """Record ``text`` as received from ``identity`` and pass it to the router.

    The incoming row is written first, so the conversation shows the text
    even when an app fails on it. Return the message; with a router that
    processes in place, its replies are in the table when this returns.
    Raise :class:`TesterNotConfigured` when the tester cannot work; without
    its backend the message is routed and a warning logged.
    """
    warning = check_configuration()
    if warning:
        logger.warning("%s", warning)
    connection = lookup_connections(BACKEND_NAME, [identity])[0]
    message_id = IncomingMessage.generate_id()
    tester_messages().create(
        name=BACKEND_NAME,
        direction=INCOMING,
        message_id=message_id,
        identity=identity,
        text=text,
    )
    logger.info("Message tester: %s > %s", identity, text)
    return receive(text, connection, id_=message_id)


def tester_state() -> tuple[int | None, int]:
    """Return the newest row's id and the number of rows of the tester's table.

    The rows are never edited, so this changes whenever a message is stored
    or a conversation cleared: the page's script is told "nothing new"
    while it stays the same. Two look-ups in the table's indexes.
    """
    rows = tester_messages()
    newest = rows.order_by("-pk").values_list("pk", flat=True).first()
    return newest, rows.count()


def clear_messages(identity: str | None = None) -> int:
    """Delete the tester's messages with ``identity``, or all of them; return how many."""
    rows = tester_messages()
    if identity is not None:
        rows = rows.filter(identity=identity)
    deleted, _ = rows.delete()
    return deleted


def conversation(identity: str, limit: int = 100) -> tuple[list[ConversationEntry], int]:
    """Return the last ``limit`` messages with ``identity``, oldest first, and their total."""
    rows = tester_messages().filter(identity=identity)
    latest = list(rows.order_by("-date", "-pk")[:limit])
    total = len(latest) if len(latest) < limit else rows.count()
    latest.reverse()
    return [conversation_entry(row) for row in latest], total


def conversation_entry(row: BackendMessage) -> ConversationEntry:
    """Return ``row`` with its length in characters, its SMS segments and its alphabet."""
    count = encoding.count_segments(row.text)
    return ConversationEntry(
        message=row,
        incoming=row.direction == INCOMING,
        characters=len(row.text),
        segments=count.segments,
        ucs2=count.alphabet is encoding.Alphabet.UCS2,
    )


def numbers(limit: int = 30) -> list[dict[str, Any]]:
    """Return the identities that have messages, latest first: identity, count, last date."""
    return list(
        tester_messages()
        .values("identity")
        .annotate(count=Count("pk"), last=Max("date"))
        .order_by("-last", "identity")[:limit]
    )


# RapidSMS 2.x's functions, kept deprecated; each warns when called.


def get_messages() -> QuerySet[Any]:
    """Deprecated: return the tester's messages; use :func:`tester_messages`."""
    warn_deprecated(f"{__name__}.get_messages()", f"{__name__}.tester_messages()")
    return tester_messages()


def store_message(direction: str, identity: str, text: str) -> BackendMessage:
    """Deprecated: add a row to the conversation without routing it; use :func:`store_and_queue`.

    ``direction`` is ``"I"`` for a message from ``identity``, ``"O"`` for one to it.
    """
    warn_deprecated(f"{__name__}.store_message()", f"{__name__}.store_and_queue()")
    return tester_messages().create(
        name=BACKEND_NAME,
        direction=direction,
        message_id=IncomingMessage.generate_id(),
        identity=identity,
        text=text,
    )


def clear_all_messages() -> int:
    """Deprecated: delete all the tester's messages; use :func:`clear_messages`."""
    warn_deprecated(f"{__name__}.clear_all_messages()", f"{__name__}.clear_messages()")
    return clear_messages()
