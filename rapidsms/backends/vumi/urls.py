"""RapidSMS 2.x's Vumi URL, kept for projects that include it.

New projects include ``rapidsms.backends.urls`` instead, which mounts every
backend at ``backends/<name>/``. This module keeps the name RapidSMS 2.x
defined: ``vumi-backend``, at ``backend/vumi/``, the inbound view of the
backend named ``vumi-backend`` in ``INSTALLED_BACKENDS``.

RapidSMS 2.x also included its login and logout views under ``account/``
here; include ``rapidsms.urls`` yourself if you used them.
"""

from __future__ import annotations

from django.urls import path

from rapidsms.backends.vumi.views import VumiBackendView

urlpatterns = [
    path("backend/vumi/", VumiBackendView.as_view(backend_name="vumi-backend"),
         name="vumi-backend"),
]
