"""URLs of the pages' shell: the dashboard at the root, login and logout.

Include it at the root of the project's URLconf, beside the pages of the
bundled apps you use::

    urlpatterns = [
        path("", include("rapidsms.urls")),
        path("httptester/", include("rapidsms.contrib.httptester.urls")),
        path("messagelog/", include("rapidsms.contrib.messagelog.urls")),
        path("messaging/", include("rapidsms.contrib.messaging.urls")),
        path("registration/", include("rapidsms.contrib.registration.urls")),
        path("admin/", admin.site.urls),
    ]

and set ``LOGIN_URL = "rapidsms-login"``. The URL names are RapidSMS 2.x's:
``rapidsms-dashboard``, ``rapidsms-login`` and ``rapidsms-logout``. A fourth,
``rapidsms-jsi18n``, serves the texts of the pages' scripts in the active
language (Django's ``JavaScriptCatalog``).
"""

from __future__ import annotations

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from rapidsms.urls.login_logout import urlpatterns as login_logout_urlpatterns
from rapidsms.views import dashboard

urlpatterns = [
    path("", dashboard, name="rapidsms-dashboard"),
    *login_logout_urlpatterns,
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["rapidsms"]), name="rapidsms-jsi18n"),
]
