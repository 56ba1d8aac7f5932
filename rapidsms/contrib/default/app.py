"""The SMS app behind ``rapidsms.contrib.default``."""

from __future__ import annotations

import logging

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapidsms.apps.base import AppBase
from rapidsms.conf import get_setting
from rapidsms.deprecation import deprecated_attributes
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.utils.translation import connection_language, in_language, render_text

logger = logging.getLogger(__name__)

#: The reply used when the project does not set ``DEFAULT_RESPONSE``. It is a
#: lazy translation, so each contact reads it in their own language.
DEFAULT_RESPONSE = _("Sorry, %(project_name)s could not understand your message.")


class DefaultApp(AppBase):
    """Reply ``DEFAULT_RESPONSE`` to a message that no app handled.

    The setting is read for each message; ``%(project_name)s`` in it is
    replaced with ``PROJECT_NAME``, and ``DEFAULT_RESPONSE = None`` turns the
    reply off. The reply is an :class:`~rapidsms.messages.error.ErrorMessage`
    written in the sender's language (their contact's ``language``, else
    ``LANGUAGE_CODE``) when the text is a lazy translation, as the built-in
    one is; a plain string in the setting is sent as written.
    """

    def default(self, msg: IncomingMessage) -> None:
        response = get_setting("DEFAULT_RESPONSE", DEFAULT_RESPONSE)
        if response is None:
            return
        connection = msg.connections[0] if msg.connections else None
        language = connection_language(connection)
        project_name = get_setting("PROJECT_NAME")
        key = (id(response), language, project_name)
        cached = _rendered.get(key)
        if cached is not None and cached[0] is response:
            text = cached[1]
        else:
            with in_language(language):
                text = format_response(response, project_name)
            if isinstance(response, Promise):
                # A lazy text renders the same in a language until a setting changes.
                _rendered[key] = (response, text)
        msg.error(text)


#: ``{(id(response), language, project name): (response, text)}``; emptied
#: when a setting changes (the project's languages, say).
_rendered: dict[tuple[int, str, object], tuple[object, str]] = {}


@receiver(setting_changed, dispatch_uid="rapidsms.contrib.default.forget_rendered")
def forget_rendered(**kwargs: object) -> None:
    """Forget the rendered responses: a setting they depend on may have changed."""
    _rendered.clear()


def format_response(response: object, project_name: object) -> str:
    """Return ``response`` rendered in the active language, with the project name filled in.

    A response that cannot be formatted (a stray ``%`` in the setting) is
    sent as written, and the mistake is logged, rather than losing the reply.
    """
    text = render_text(response)  # type: ignore[arg-type]
    try:
        return text % {"project_name": str(project_name)}
    except (KeyError, TypeError, ValueError) as exc:
        logger.error(
            "DEFAULT_RESPONSE %r cannot be formatted (%s); write %%%% for a literal %%. "
            "Sending it unformatted.",
            text,
            exc,
        )
        return text


# RapidSMS 2.x named the class ``App``. Served through ``__getattr__`` so that
# the module still defines a single SMS app for the router to find.
__getattr__ = deprecated_attributes(
    __name__, {"App": ("rapidsms.contrib.default.app.DefaultApp", lambda: DefaultApp)}
)
