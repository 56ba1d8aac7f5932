"""Login and logout pages, named ``rapidsms-login`` and ``rapidsms-logout`` as in RapidSMS 2.x.

Logging out is a POST (Django 5 refuses a GET): the pages' header has the button.
"""

from __future__ import annotations

from django.urls import path

from rapidsms.views import RapidSMSLoginView, RapidSMSLogoutView

urlpatterns = [
    path("login/", RapidSMSLoginView.as_view(), name="rapidsms-login"),
    path("logout/", RapidSMSLogoutView.as_view(), name="rapidsms-logout"),
]
