"""URLs of the message log: the page (``message_log``, as in RapidSMS 2.x) and its CSV export."""

from __future__ import annotations

from django.urls import path

from rapidsms.contrib.messagelog import views

urlpatterns = [
    path("", views.message_log, name="message_log"),
    path("export.csv", views.message_log_export, name="message_log_export"),
]
