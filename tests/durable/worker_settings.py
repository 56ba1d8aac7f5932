"""Settings of the Celery worker processes the durable tests start.

The test passes what differs per run in the environment: the database (the
test database's name), the broker, the sink's URL, the queue names and the
short timings that let a test see retries and recoveries in seconds.
"""

import os

from tests.settings import *  # noqa: F403

env = os.environ.get

RAPIDSMS_ROUTER = "rapidsms.router.celery.CeleryRouter"
INSTALLED_BACKENDS = {
    "sink": {
        "ENGINE": "tests.durable.backend.SinkBackend",
        "url": env("RAPIDSMS_TEST_SINK_URL", "http://127.0.0.1:9/send"),
    },
}
if env("RAPIDSMS_TEST_RAPIDPRO_URL"):
    INSTALLED_BACKENDS["rapidpro"] = {
        "ENGINE": "rapidsms.backends.rapidpro.RapidProBackend",
        "url": env("RAPIDSMS_TEST_RAPIDPRO_URL"),
        "api_token": env("RAPIDSMS_TEST_RAPIDPRO_TOKEN"),
        "rate_limit": "100000/h",
        "coalesce_window": float(env("RAPIDSMS_TEST_COALESCE_WINDOW", "1")),
        "max_retries": 0,
    }
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

CELERY_TASK_ALWAYS_EAGER = False
# Celery's Django fix-up closes the database connection around every task
# unless told to reuse it; reconnecting costs more than the task itself.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "memory://")
# An empty RAPIDSMS_TEST_VISIBILITY keeps the broker's own default, as a deployment does.
if env("RAPIDSMS_TEST_VISIBILITY", "30"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": float(env("RAPIDSMS_TEST_VISIBILITY", "30")),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = int(env("RAPIDSMS_TEST_PREFETCH", "8"))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "rapidsms-recover": {
        "task": "rapidsms.router.db.recover",
        "schedule": float(env("RAPIDSMS_TEST_RECOVER_EVERY", "1")),
        "options": {"queue": env("RAPIDSMS_INCOMING_QUEUE", "rapidsms.incoming")},
    },
}

RAPIDSMS_INCOMING_QUEUE = env("RAPIDSMS_INCOMING_QUEUE", "rapidsms.incoming")
RAPIDSMS_SEND_QUEUE_PREFIX = env("RAPIDSMS_SEND_QUEUE_PREFIX", "rapidsms.send.")
RAPIDSMS_RETRY_BASE_DELAY = float(env("RAPIDSMS_RETRY_BASE_DELAY", "0.2"))
RAPIDSMS_RETRY_MAX_DELAY = float(env("RAPIDSMS_RETRY_MAX_DELAY", "1"))
RAPIDSMS_SEND_LEASE = float(env("RAPIDSMS_SEND_LEASE", "3"))
RAPIDSMS_REDISPATCH_AFTER = float(env("RAPIDSMS_REDISPATCH_AFTER", "3"))
RAPIDSMS_PROCESSING_LEASE = float(env("RAPIDSMS_PROCESSING_LEASE", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"rapidsms": {"handlers": ["stderr"], "level": "WARNING"}},
}
