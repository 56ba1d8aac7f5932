"""The Twilio gateway: SMS through Twilio's Messages API, with signed webhooks.

``TwilioBackend`` (``outgoing.py``) sends one API request per recipient and
turns Twilio's error codes into :class:`~rapidsms.backends.twilio.errors.TwilioSendingError`;
its views (``views.py``) receive messages and status callbacks, checking
Twilio's request signature (``signature.py``) before reading them.
"""

from rapidsms.backends.twilio.errors import TwilioSendingError
from rapidsms.backends.twilio.outgoing import TwilioBackend

__all__ = ["TwilioBackend", "TwilioSendingError"]
