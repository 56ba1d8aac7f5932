"""The Vumi gateway: send through Vumi's RapidSMS relay, receive messages and events.

``VumiBackend`` (``outgoing.py``) posts RapidSMS 2.x's JSON body to the
relay; ``VumiBackendView`` (``views.py``) receives Vumi's JSON messages and,
like ``VumiEventView``, its events (ack, nack, delivery report), which become
delivery reports tied to our message. ``VumiForm`` (``forms.py``) keeps its
RapidSMS 2.x name. Add ``"rapidsms.backends.vumi"`` to ``INSTALLED_APPS`` so
that events can be tied to the messages they are about (``models.py``).
"""

from rapidsms.backends.vumi.outgoing import VumiBackend

__all__ = ["VumiBackend"]
