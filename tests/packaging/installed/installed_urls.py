"""Every URLconf of the installed package, mounted as the documentation mounts them."""

import pkgutil

from django.contrib import admin
from django.urls import include, path

import rapidsms

MOUNTS = {
    "rapidsms.backends.urls": "backends/",
    # RapidSMS 2.x projects include the Kannel URLs of their own.
    "rapidsms.backends.kannel.urls": "kannel/",
    "rapidsms.urls": "",
    "rapidsms.contrib.httptester.urls": "httptester/",
    "rapidsms.contrib.messagelog.urls": "messagelog/",
    "rapidsms.contrib.messaging.urls": "messaging/",
    "rapidsms.contrib.registration.urls": "registration/",
    "rapidsms.router.db.urls": "rapidsms/",
}


def package_urlconfs() -> list[str]:
    """Return the dotted names of the package's ``urls`` modules and packages."""
    found = []
    for module in pkgutil.walk_packages(rapidsms.__path__, "rapidsms.", onerror=lambda name: None):
        if module.name.endswith(".urls") and ".tests." not in module.name:
            found.append(module.name)
    return found


urlpatterns = [path("admin/", admin.site.urls)]
urlpatterns += [path(prefix, include(module)) for module, prefix in MOUNTS.items()]
# A URLconf added to the package later is mounted under its name, so that the
# checks request its pages too.
urlpatterns += [path(f"{module}/", include(module))
                for module in package_urlconfs() if module not in MOUNTS]
