"""Africa's Talking: SMS across Africa through one HTTP API.

``AfricasTalkingBackend`` (``outgoing.py``) sends through AT's SMS API and
reads a result per recipient from its answer (``codes.py`` says what each
``statusCode`` means); its views (``views.py``) receive incoming messages
and delivery reports. Only the backend is imported here: the views name
models, and this package is imported while Django loads the settings'
backends, before the app registry is ready.
"""

from rapidsms.backends.africastalking.outgoing import AfricasTalkingBackend

__all__ = ["AfricasTalkingBackend"]
