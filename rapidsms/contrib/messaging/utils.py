"""RapidSMS 2.x's ``send_message()``, kept as a deprecated module.

Use :func:`rapidsms.router.send`. Importing this module raises a
``DeprecationWarning``. ``send_message()`` sends again: in RapidSMS 2.2 it
raised a ``DeprecationWarning`` as an exception and sent nothing.
"""

from __future__ import annotations

from typing import Any

from rapidsms.deprecation import warn_module_imported

warn_module_imported("rapidsms.contrib.messaging.utils", "rapidsms.router.send()")

__all__ = ["send_message"]


def send_message(connection: Any, text: str) -> Any:
    """Send ``text`` to ``connection`` through the router; return the message sent.

    ``connection`` may also be a list of connections. Sending failures
    raise :class:`~rapidsms.errors.MessageSendingError`, as ``send()`` does.
    """
    from rapidsms.router import send

    return send(text, connection)
