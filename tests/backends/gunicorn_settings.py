"""Settings of the project the gunicorn charset test serves: one gateway, the pages.

``RAPIDSMS_TEST_ENCODING_MIDDLEWARE=1`` puts
``rapidsms.middleware.RequestEncodingMiddleware`` first in ``MIDDLEWARE``.
"""

import os

from tests.settings import *  # noqa: F403

DEBUG = False
TOKEN = "gunicorn-charset-token-0123456789"
INSTALLED_BACKENDS = {
    "gw": {"ENGINE": "rapidsms.backends.http.GenericHttpBackend", "inbound_secrets": [TOKEN]},
}
if os.environ.get("RAPIDSMS_TEST_ENCODING_MIDDLEWARE") == "1":
    MIDDLEWARE = ["rapidsms.middleware.RequestEncodingMiddleware", *MIDDLEWARE]  # noqa: F405
