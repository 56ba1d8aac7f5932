"""URLs of the tutorial project."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # The dashboard at /, and the login and logout pages.
    path("", include("rapidsms.urls")),
    path("httptester/", include("rapidsms.contrib.httptester.urls")),
    path("messagelog/", include("rapidsms.contrib.messagelog.urls")),
    # /backends/gateway/ and /backends/rapidpro/: where the gateways deliver messages.
    path("backends/", include("rapidsms.backends.urls")),
    path("admin/", admin.site.urls),
    # The app's own page: the stock reports.
    path("stock/", include("clinic_stock.urls")),
]
