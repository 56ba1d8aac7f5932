"""URLs of the operations pages, the health check and the metrics; include them under any prefix::

    path("rapidsms/", include("rapidsms.router.db.urls")),
"""

from __future__ import annotations

from django.urls import path

from rapidsms.router.db import views

app_name = "rapidsms_db"

urlpatterns = [
    path("messages/", views.message_list, name="messages"),
    path("health/", views.health, name="health"),
    path("metrics/", views.metrics, name="metrics"),
]
