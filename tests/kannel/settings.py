"""Settings of the project the Kannel tests serve with gunicorn and run in Celery workers.

The test passes in the environment what differs per run: Kannel's sendsms
URL and password, the address gunicorn serves, the inbound token, and (read
by the durable tests' worker settings) the database, broker and queues.
"""

import os

from tests.durable.worker_settings import *  # noqa: F403
from tests.kannel.project import kannel_backends

DEBUG = False
ROOT_URLCONF = "tests.urls"
INSTALLED_BACKENDS = kannel_backends(
    sendsms_url=os.environ.get("RAPIDSMS_TEST_SENDSMS_URL", "http://127.0.0.1:13013/cgi-bin/sendsms"),
    password=os.environ.get("RAPIDSMS_TEST_SENDSMS_PASSWORD", ""),
    site_url=os.environ.get("RAPIDSMS_TEST_SITE_URL", "http://127.0.0.1:8000"),
    token=os.environ.get("RAPIDSMS_TEST_KANNEL_TOKEN", ""),
)
