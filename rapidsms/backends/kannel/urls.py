"""RapidSMS 2.x's Kannel URLs, kept for projects that include them.

New projects include ``rapidsms.backends.urls`` instead, which mounts every
Kannel backend at ``backends/<name>/`` and ``backends/<name>/status/``.
This module keeps the two names RapidSMS 2.x defined:

* ``kannel-backend``: ``backend/kannel/``, the inbound view of the backend
  named ``kannel-backend`` in ``INSTALLED_BACKENDS``;
* ``kannel-delivery-report``: ``delivery-report/``, delivery reports for
  any Kannel backend (see :class:`~rapidsms.backends.kannel.views.DeliveryReportView`).

RapidSMS 2.x also included its login and logout views under ``account/``
here; include ``django.contrib.auth.urls`` yourself if you used them.
"""

from __future__ import annotations

from django.urls import path

from rapidsms.backends.kannel.views import DeliveryReportView, KannelBackendView

urlpatterns = [
    path("delivery-report/", DeliveryReportView.as_view(), name="kannel-delivery-report"),
    path("backend/kannel/", KannelBackendView.as_view(backend_name="kannel-backend"),
         name="kannel-backend"),
]
