"""``LANGUAGE <code>`` (or ``LANG``): set the registered sender's language."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler


class LanguageHandler(KeywordHandler):
    """Set the language of the sender's contact: ``LANG fr`` or ``LANGUAGE French``.

    The text is compared, ignoring case and accents, with the codes and
    names of ``settings.LANGUAGES`` and with each language's own name
    (``français``). The sender must have registered first (see
    :class:`~rapidsms.contrib.registration.handlers.register.RegisterHandler`).

    The confirmation is written in the new language, with that language's
    name as Django translates it: ``lang fr`` gets ``Je vous parlerai en
    Français.``, ``lang en`` gets ``I will speak to you in English.``
    """

    keyword = "language|lang"

    def help(self) -> None:
        self.respond(gettext("To set your language, send LANGUAGE <CODE>"))

    def handle(self, text: str) -> None:
        contact = self.msg.connections[0].contact
        if contact is None:
            self.respond_error(
                gettext(
                    "You must JOIN or REGISTER yourself before you can set your "
                    "language preference."
                )
            )
            return
        wanted = text.strip()
        match = find_language(wanted)
        if match is None:
            sorry = gettext('Sorry, I don\'t speak "%(language)s".')
            self.respond_error(sorry % {"language": wanted})
            return
        code, name = match
        contact.language = code
        contact.save(update_fields=["language", "modified_on"])
        with translation.override(code):
            # Django's LANGUAGES names are marked for translation, not translated.
            local_name = gettext(name) if isinstance(name, str) else str(name)
            self.respond(gettext("I will speak to you in %(language)s.") % {"language": local_name})


def find_language(text: str) -> tuple[str, Any] | None:
    """Return ``(code, name)`` from ``settings.LANGUAGES`` for ``text``, or ``None``.

    ``text`` may be the code (``fr``, ``pt-BR``), the name in ``LANGUAGES``
    (``French``) or the language's own name (``français``); case and accents
    do not matter.
    """
    wanted = _fold(text)
    if not wanted:
        return None
    for code, name in settings.LANGUAGES:
        candidates = {_fold(code), _fold(str(name))}
        try:
            candidates.add(_fold(translation.get_language_info(code)["name_local"]))
        except KeyError:
            pass  # a language Django does not know; its code and name still count
        if wanted in candidates:
            return code, name
    return None


def _fold(text: str) -> str:
    """Return ``text`` without case or accents, for lenient comparison."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).strip()
