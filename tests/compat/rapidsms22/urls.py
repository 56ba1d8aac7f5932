"""RapidSMS 2.2's test URLconf, without django-selectable's URLs."""

from django.contrib import admin
from django.urls import include, path

from rapidsms import views as rapidsms_views

urlpatterns = (
    path("admin/", admin.site.urls),
    path("account/", include("rapidsms.urls.login_logout")),
    path("", rapidsms_views.dashboard, name="rapidsms-dashboard"),
    path("httptester/", include("rapidsms.contrib.httptester.urls")),
    path("messagelog/", include("rapidsms.contrib.messagelog.urls")),
    path("messaging/", include("rapidsms.contrib.messaging.urls")),
    path("registration/", include("rapidsms.contrib.registration.urls")),
)
