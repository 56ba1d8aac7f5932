"""WSGI entry point of the example project."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from rapidsms.wsgi import refuse_unreadable_requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

# Requests Django cannot even build get a 400 instead of the server's 500.
application = refuse_unreadable_requests(get_wsgi_application())
