"""URLs of the example project: the demo home page and the Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("supplies.urls")),
    path("admin/", admin.site.urls),
]
