"""Login and logout pages, named ``rapidsms-login`` and ``rapidsms-logout`` as in RapidSMS 2.x.

Logging out is a POST (Django 5 refuses a GET): the pages' header has the button.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="rapidsms/login.html", redirect_authenticated_user=True
        ),
        name="rapidsms-login",
    ),
    path(
        "logout/",
        auth_views.LogoutView.as_view(template_name="rapidsms/logged_out.html"),
        name="rapidsms-logout",
    ),
]
