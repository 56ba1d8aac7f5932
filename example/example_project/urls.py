"""URLs of the example project: the dashboard and the pages of the bundled apps."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # The dashboard at "/", and /login/ and /logout/.
    path("", include("rapidsms.urls")),
    path("httptester/", include("rapidsms.contrib.httptester.urls")),
    path("messagelog/", include("rapidsms.contrib.messagelog.urls")),
    path("messaging/", include("rapidsms.contrib.messaging.urls")),
    path("registration/", include("rapidsms.contrib.registration.urls")),
    # The durable router's messages page, health check and metrics.
    path("rapidsms/", include("rapidsms.router.db.urls")),
    path("admin/", admin.site.urls),
    # The language switcher of the pages posts to set_language.
    path("i18n/", include("django.conf.urls.i18n")),
]
