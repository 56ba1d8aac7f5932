"""The SMS app behind ``rapidsms.contrib.default``."""

from __future__ import annotations

from rapidsms.apps.base import AppBase
from rapidsms.conf import get_setting
from rapidsms.messages.incoming import IncomingMessage


class DefaultApp(AppBase):
    """Reply ``DEFAULT_RESPONSE`` to a message that no app handled.

    The setting is read for each message, ``%(project_name)s`` is replaced
    with ``PROJECT_NAME``, and ``DEFAULT_RESPONSE = None`` turns the reply off.
    """

    def default(self, msg: IncomingMessage) -> None:
        response = get_setting("DEFAULT_RESPONSE")
        if response is None:
            return
        project_name = get_setting("PROJECT_NAME")
        msg.error(str(response) % {"project_name": project_name})
