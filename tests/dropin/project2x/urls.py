"""URLs as a RapidSMS 2.x project wrote them: each gateway view names its backend."""

from django.contrib import admin
from django.urls import include, path

from addon_gateway.views import AddonBackendView
from rapidsms.backends.http.views import GenericHttpBackendView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("account/", include("rapidsms.urls.login_logout")),
    path("httptester/", include("rapidsms.contrib.httptester.urls")),
    path("messagelog/", include("rapidsms.contrib.messagelog.urls")),
    path("messaging/", include("rapidsms.contrib.messaging.urls")),
    path("registration/", include("rapidsms.contrib.registration.urls")),
    # The add-on's view; the backend is configured in INSTALLED_BACKENDS.
    path("backend/addon/", AddonBackendView.as_view(backend_name="addon")),
    # 2.x's generic view for a backend named only here.
    path("backend/kiosk/", GenericHttpBackendView.as_view(backend_name="kiosk")),
]
