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
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

from rapidsms.conf import hot_setting

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
    return hot_setting("LANGUAGE_CODE")


def connection_language(connection: Connection | None) -> str:
    """Return the language to write to ``connection`` in.

    That is its contact's language when it has a contact with a supported
    language, otherwise ``settings.LANGUAGE_CODE``.
    """
    if connection is None or getattr(connection, "contact_id", 0) is None:
        # No contact: most messages. Skips the related-object look-up.
        return hot_setting("LANGUAGE_CODE")
    contact = getattr(connection, "contact", None)
    return supported_language(getattr(contact, "language", "") if contact else "")


class in_language:  # noqa: N801  (used like translation.override)
    """Like ``translation.override(language)``, without switching when it is active already.

    Apps write each reply in the sender's language, which for most senders
    is the one already active; activating a language costs more than a
    whole message's routing, so it is done only when it changes anything.
    """

    __slots__ = ("language", "previous")

    def __init__(self, language: str) -> None:
        self.language = language
        self.previous: translation.override | None = None

    def __enter__(self) -> None:
        if active_language() != self.language:
            self.previous = translation.override(self.language)
            self.previous.__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        if self.previous is not None:
            self.previous.__exit__(*exc_info)
            self.previous = None


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


# Which language is active ------------------------------------------------------
#
# translation.get_language() costs several microseconds (Django keeps the
# active language in an asgiref Local, and a thread where none was activated
# raises and catches an exception to find that out): more than the rest of
# routing a message. Django replaces the Local's storage object whenever the
# thread's language changes, so the language found for one storage object
# holds until the object changes; active_language() remembers it per thread.
# A self-test checks that at first use and falls back to get_language()
# when a Django or asgiref release works otherwise.

_remembered = threading.local()
_generation = 0  # bumped when a setting changes (LANGUAGE_CODE applies when none is active)
_storage_is_replaced: bool | None = None


def active_language() -> str:
    """Return ``translation.get_language()``, remembered while the thread's language stays."""
    global _storage_is_replaced
    if _storage_is_replaced is None:
        _storage_is_replaced = _check_storage_is_replaced()
    if not _storage_is_replaced:
        return translation.get_language()
    storage = _language_storage()
    if storage is None:
        return hot_setting("LANGUAGE_CODE")  # none activated: Django uses LANGUAGE_CODE
    known = getattr(_remembered, "entry", None)
    if known is not None and known[0] is storage and known[2] == _generation:
        return known[1]
    language = translation.get_language()
    _remembered.entry = (storage, language, _generation)
    return language


def _language_storage() -> Any:
    # The Local's context variable, read without the Local's lock: a read.
    return trans_real._active._storage._data.get(None)


def _check_storage_is_replaced() -> bool:
    """Return True when activating and deactivating a language replaces the storage object."""
    seen: list[bool] = []

    def probe() -> None:
        try:
            before = _language_storage()
            translation.activate(settings.LANGUAGE_CODE)
            during = _language_storage()
            translation.deactivate()
            after = _language_storage()
            seen.append(before is None and during is not None and after is not during)
        except Exception:  # an asgiref without this storage: use get_language()
            seen.append(False)

    thread = threading.Thread(target=probe, name="rapidsms-language-probe")
    thread.start()
    thread.join()
    return bool(seen and seen[0])


def _forget_languages(**kwargs: Any) -> None:
    global _generation
    _generation += 1


setting_changed.connect(_forget_languages, dispatch_uid="rapidsms.utils.translation.languages")
