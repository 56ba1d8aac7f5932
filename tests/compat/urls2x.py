"""A URLconf written as a RapidSMS 2.x project wrote it, with every URLconf 2.x shipped."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("account/", include("rapidsms.urls.login_logout")),
    path("httptester/", include("rapidsms.contrib.httptester.urls")),
    path("messagelog/", include("rapidsms.contrib.messagelog.urls")),
    path("messaging/", include("rapidsms.contrib.messaging.urls")),
    path("registration/", include("rapidsms.contrib.registration.urls")),
    path("kannel/", include("rapidsms.backends.kannel.urls")),
    path("vumi/", include("rapidsms.backends.vumi.urls")),
    path("admin/", admin.site.urls),
]
