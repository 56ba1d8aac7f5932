"""The generic HTTP gateway: any aggregator that takes and posts plain HTTP requests.

``GenericHttpBackend`` sends with a configurable URL, method, parameter
names and body format; its inbound and status views (``views.py``) keep the
RapidSMS 2.x names ``GenericHttpBackendView``, ``BaseHttpBackendView`` and
forms ``GenericHttpForm``, ``BaseHttpForm`` (``forms.py``), now secured by
the shared inbound base.
"""

from rapidsms.backends.http.outgoing import GenericHttpBackend

__all__ = ["GenericHttpBackend"]
