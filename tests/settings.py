"""Settings of the project's own test suite.

``DATABASE_URL`` (``postgres://user@host:port/name``) runs the suite on
PostgreSQL; without it the suite uses an in-memory SQLite database.
"""

import os
from urllib.parse import unquote, urlparse

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
ROOT_URLCONF = "tests.urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]


def database_from_url(url: str) -> dict:
    """Return a Django DATABASES entry for a ``postgres://`` or ``sqlite://`` URL."""
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "test",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
            # A test run started by another test names its own database.
            "TEST": {"NAME": os.environ.get("RAPIDSMS_TEST_DB_NAME", "test_rapidsms")},
        }
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parsed.path or ":memory:"}
    raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported by the tests.")


DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL")
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django_tables2",
    "rapidsms",
    "rapidsms.backends.database",
    "rapidsms.backends.inbound",
    "rapidsms.backends.rapidpro",
    "rapidsms.backends.vumi",
    "rapidsms.router.db",
    "rapidsms.contrib.messagelog",
    "rapidsms.contrib.optout",
    "rapidsms.contrib.handlers",
    "rapidsms.contrib.echo",
    "rapidsms.contrib.registration",
    "rapidsms.contrib.httptester",
    "rapidsms.contrib.messaging",
    "rapidsms.contrib.default",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The pages follow the language switcher's cookie and Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The pages (tests/pages) send people here to log in.
LOGIN_URL = "rapidsms-login"

INSTALLED_BACKENDS = {
    "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
    # Mounts /backends/rapidpro/; the RapidPro tests point it at a local sandbox.
    "rapidpro": {
        "ENGINE": "rapidsms.backends.rapidpro.RapidProBackend",
        "url": "http://127.0.0.1:9",
        "api_token": "tests-only-token",
        "inbound_secrets": ["tests-only-rapidpro-secret"],
    },
}

RAPIDSMS_HANDLERS = [
    "rapidsms.contrib.echo.handlers.echo.EchoHandler",
    "rapidsms.contrib.echo.handlers.ping.PingHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {"rapidsms": {"handlers": ["null"], "level": "DEBUG", "propagate": True}},
}

# The durable router's Celery settings: eager (no broker needed) unless a test
# starts real workers. CELERY_BROKER_URL is read by those tests.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_QUEUE_MAX_PRIORITY = 10
