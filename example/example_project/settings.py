"""Settings of the example project.

A demo for one person on one machine: ``DEBUG`` is on, the secret key is
public and the database is a SQLite file. Do not deploy these settings.

Environment variables:

``EXAMPLE_DB_PATH``
    Where the SQLite database lives (default: ``db.sqlite3`` beside
    ``manage.py``). The tests point it at a temporary file.
``EXAMPLE_SECRET_KEY``
    Overrides the demo's public secret key.

The pages: the dashboard at ``/``, the message tester at ``/httptester/``,
the message log, messaging and contacts pages, all behind the login at
``/login/`` (``manage.py demo_setup`` creates the login demo/demo).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("EXAMPLE_SECRET_KEY", "demo-only-this-key-is-public")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tables2",
    "rapidsms",
    "rapidsms.backends.database",
    # The durable router: every message is stored, with its status.
    "rapidsms.router.db",
    # SMS apps, in the order they see a message. The log first: it records
    # a message before any app changes it, and a reply after every app did.
    "rapidsms.contrib.messagelog",
    "rapidsms.contrib.optout",
    "rapidsms.contrib.handlers",
    "rapidsms.contrib.echo",
    "rapidsms.contrib.registration",
    "supplies",
    # Pages without SMS apps of their own.
    "rapidsms.contrib.httptester",
    "rapidsms.contrib.messaging",
    # Last, so it answers only what no other app understood.
    "rapidsms.contrib.default",
]

MIDDLEWARE = [
    # First: a request in a charset Django cannot read gets 400, not 500.
    "rapidsms.middleware.RequestEncodingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the sessions, before CommonMiddleware: the pages' language comes
    # from the switcher's cookie, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

#: SQLite tuned for a message router: write-ahead logging lets the pages read
#: while a message is written, and with synchronous=NORMAL a commit does not
#: wait for the disk (a power cut may lose the last commits, never corrupt the
#: file). IMMEDIATE transactions take the write lock at BEGIN, so two
#: requests writing at once wait for each other instead of failing with
#: "database is locked". bench/messagelog.py measures this configuration.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DB_PATH") or BASE_DIR / "db.sqlite3",
        "OPTIONS": SQLITE_OPTIONS,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
#: The languages of the pages' switcher and of the SMS replies (LANG <code>).
#: The bundled apps and pages are translated into all of them.
LANGUAGES = [
    ("en", "English"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("pt", "Portuguese"),
    ("sw", "Swahili"),
    ("ar", "Arabic"),
]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

LOGIN_URL = "rapidsms-login"
LOGIN_REDIRECT_URL = "rapidsms-dashboard"
LOGOUT_REDIRECT_URL = "rapidsms-login"

# RapidSMS ------------------------------------------------------------------

PROJECT_NAME = "RapidSMS demo"

INSTALLED_BACKENDS = {
    # Stores what it would send in a table; the message tester reads it.
    "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
    # A gateway that only pretends: it reports delivery after 2 s and refuses
    # numbers ending in 0, so the pages show statuses moving.
    "standin": {"ENGINE": "example_project.standin_gateway.StandInGateway"},
}

# The durable router stores every message before routing it. Eager: its
# "workers" run in the web process, so the demo needs no broker. A
# deployment runs Celery workers instead (see the deployment guide).
RAPIDSMS_ROUTER = "rapidsms.router.db.DatabaseRouter"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"

RAPIDSMS_HANDLERS = [
    "rapidsms.contrib.echo.handlers.echo.EchoHandler",
    "rapidsms.contrib.echo.handlers.ping.PingHandler",
    "rapidsms.contrib.registration.handlers.register.RegisterHandler",
    "rapidsms.contrib.registration.handlers.language.LanguageHandler",
    "supplies.handlers.help.HelpHandler",
]

# Print the router's and the apps' log lines on the terminal that runs the server.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "rapidsms": {"handlers": ["console"], "level": "DEBUG", "propagate": False},
        "supplies": {"handlers": ["console"], "level": "DEBUG", "propagate": False},
    },
}
