from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switcher of the pages posts to set_language.
    path("i18n/", include("django.conf.urls.i18n")),
    path("backends/", include("rapidsms.backends.urls")),
    # The pages of the bundled apps, mounted as the example project mounts them.
    path("", include("rapidsms.urls")),
    path("httptester/", include("rapidsms.contrib.httptester.urls")),
    path("messagelog/", include("rapidsms.contrib.messagelog.urls")),
    path("messaging/", include("rapidsms.contrib.messaging.urls")),
    path("registration/", include("rapidsms.contrib.registration.urls")),
    # The message store's pages: messages by status and the health check.
    path("store/", include("rapidsms.router.db.urls")),
]
