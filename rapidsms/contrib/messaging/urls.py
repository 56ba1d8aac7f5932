"""URLs of the messaging page, named as in RapidSMS 2.x."""

from __future__ import annotations

from django.urls import path

from rapidsms.contrib.messaging import views

urlpatterns = [
    path("", views.messaging, name="messaging"),
    path("send/", views.send_message, name="send_message"),
]
