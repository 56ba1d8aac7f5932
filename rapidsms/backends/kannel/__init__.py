"""The Kannel gateway: Kannel's sendsms interface out, its sms-service in.

``KannelBackend`` (``outgoing.py``) sends with RapidSMS 2.x's options and
picks the alphabet itself: GSM-7 text goes as 7-bit, anything else as UCS-2
(UTF-16BE), so no character is lost. With ``delivery_report_url`` it asks
for delivery reports, which come back to ``KannelStatusView`` and update
the message's status through ``rapidsms.backends.signals.delivery_report``.
The inbound views (``views.py``) keep RapidSMS 2.x's names
``KannelBackendView`` and ``DeliveryReportView``, and ``forms.py`` its
``KannelForm``; ``urls.py`` keeps its URL names.
"""

from rapidsms.backends.kannel.outgoing import KannelBackend

__all__ = ["KannelBackend"]
