"""Write to each contact in their own language.

A contact's preferred language is ``Contact.language`` (blank means the
project's ``LANGUAGE_CODE``). Three helpers build on it:

:func:`connection_language`
    The language to use for one connection.
:func:`group_connections`
    Split many connections into ``(language, [connections])`` groups; the
    RapidSMS 2.x helper, kept at its import path.
:func:`send_translated`
    Send one translatable text to many connections, each group rendered
    inside ``translation.override(language)``.

Example::

    from django.utils.translation import gettext_lazy as _
    from rapidsms.utils.translation import send_translated

    send_translated(_("The clinic is closed today."), connections)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise

if TYPE_CHECKING:
    from rapidsms.messages.outgoing import OutgoingMessage
    from rapidsms.models import Connection

logger = logging.getLogger(__name__)

#: What :func:`render_text` and :func:`send_translated` accept as a text.
TranslatableText = str | Promise | Callable[[], str]


def supported_language(language: str | None) -> str:
    """Return ``language`` as one of ``settings.LANGUAGES``, or ``LANGUAGE_CODE``.

    A regional variant falls back to its base language (``fr-ca`` gives
    ``fr`` when only ``fr`` is configured). A blank or unknown language gives
    the project's ``LANGUAGE_CODE``, so a stray value in ``Contact.language``
    can never switch a reply to an untranslated language.
    """
    if language:
        try:
            return translation.get_supported_language_variant(language)
        except LookupError:
            logger.debug("Language %r is not in settings.LANGUAGES; using LANGUAGE_CODE.", language)
    return settings.LANGUAGE_CODE


def connection_language(connection: Connection | None) -> str:
    """Return the language to write to ``connection`` in.

    That is its contact's language when it has a contact with a supported
    language, otherwise ``settings.LANGUAGE_CODE``.
    """
    contact = getattr(connection, "contact", None) if connection is not None else None
    return supported_language(getattr(contact, "language", "") if contact else "")


def group_connections(connections: Any) -> Iterator[tuple[str, list[Connection]]]:
    """Yield ``(language, [connections])`` pairs, one per language.

    ``connections`` is a connection, a list or a QuerySet. Each language is
    what :func:`connection_language` would return, so it can be passed
    straight to ``translation.override``. Groups come in the order their
    first connection appears. The contacts' languages are read with one
    query, however many connections there are.

    RapidSMS 2.x yielded the raw ``Contact.language`` (blank for most
    contacts) and failed on connections without a contact; here both get the
    project's ``LANGUAGE_CODE``.
    """
    conns = _as_list(connections)
    languages = _contact_languages(conns)
    groups: dict[str, list[Connection]] = {}
    for conn in conns:
        language = supported_language(languages.get(conn.contact_id, ""))
        groups.setdefault(language, []).append(conn)
    yield from groups.items()


def render_text(text: TranslatableText) -> str:
    """Return ``text`` as a plain string in the active language.

    A lazy translation (``gettext_lazy``) is translated now; a callable is
    called (use one to format a translated text:
    ``lambda: _("Hello %(name)s") % {"name": name}``); a plain ``str`` is
    returned unchanged: it is taken to be written already.
    """
    if isinstance(text, str):
        return text
    if isinstance(text, Promise):
        return str(text)
    if callable(text):
        return str(text())
    raise TypeError(
        f"Expected a str, a lazy translation or a callable returning a str, not "
        f"{type(text).__name__}."
    )


def send_translated(
    text: TranslatableText, connections: Any, **kwargs: Any
) -> list[OutgoingMessage]:
    """Send ``text`` to ``connections``, each in its contact's language.

    The connections are grouped with :func:`group_connections`; for each
    group the text is rendered (see :func:`render_text`) and sent with
    :func:`rapidsms.router.send` inside ``translation.override(language)``,
    so the apps' ``outgoing`` phase sees the same language. Extra keyword
    arguments go to ``send()``. Return the messages sent, one per language.

    Raise ``MessageSendingError`` after every group was tried when some
    identities could not be sent to; its ``failed_identities`` lists them
    all and its ``messages`` holds the messages, as the return value would.
    """
    from rapidsms.errors import MessageSendingError
    from rapidsms.router import send

    messages: list[OutgoingMessage] = []
    failures: list[MessageSendingError] = []
    for language, group in group_connections(connections):
        with translation.override(language):
            rendered = render_text(text)
            try:
                messages.append(send(rendered, group, **kwargs))
            except MessageSendingError as exc:
                failures.append(exc)
    if failures:
        error = failures[0] if len(failures) == 1 else MessageSendingError(
            "; ".join(str(failure) for failure in failures),
            [identity for failure in failures for identity in failure.failed_identities],
        )
        error.messages = messages  # type: ignore[attr-defined]
        raise error
    return messages


def _as_list(connections: Any) -> list[Connection]:
    if connections is None:
        return []
    if isinstance(connections, QuerySet):
        return list(connections.select_related("contact"))
    if hasattr(connections, "identity") and hasattr(connections, "backend"):
        return [connections]
    if isinstance(connections, Iterable):
        return list(connections)
    raise TypeError(f"Expected connections, not {type(connections).__name__}.")


def _contact_languages(conns: list[Connection]) -> dict[Any, str]:
    """Return ``{contact id: language}`` for the contacts of ``conns`` (one query at most)."""
    from rapidsms.models import Connection, Contact

    contact_field = Connection._meta.get_field("contact")
    languages: dict[Any, str] = {}
    missing = set()
    for conn in conns:
        if conn.contact_id is None:
            continue
        if contact_field.is_cached(conn) and conn.contact is not None:
            languages[conn.contact_id] = conn.contact.language
        else:
            missing.add(conn.contact_id)
    if missing:
        languages.update(Contact.objects.filter(pk__in=missing).values_list("pk", "language"))
    return languages
