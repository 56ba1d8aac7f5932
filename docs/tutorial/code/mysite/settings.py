"""Settings of the tutorial project: a clinic stock-reporting SMS service.

For your computer: ``DEBUG`` is on and the database is a SQLite file. The
values that must differ on a server (the secret key, the gateways' addresses
and secrets) are read from the environment, with defaults that only suit a
computer nobody else can reach.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "tutorial-only-this-key-is-public")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

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
    "rapidsms.backends.inbound",
    "rapidsms.backends.rapidpro",
    # The SMS apps, in the order they see each message.
    "rapidsms.contrib.messagelog",
    "rapidsms.contrib.handlers",
    "rapidsms.contrib.httptester",
    "clinic_stock",
    "rapidsms.contrib.default",  # last: answers what no other app understood
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"

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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

# The pages (stock reports, message tester, message log) send visitors here to log in.
LOGIN_URL = "rapidsms-login"
LOGIN_REDIRECT_URL = "rapidsms-dashboard"

# RapidSMS ------------------------------------------------------------------

# The default reply names the service: "Sorry, Clinic stock could not understand your message."
PROJECT_NAME = "Clinic stock"

INSTALLED_BACKENDS = {
    # The message tester's backend: it stores replies in a table instead of sending them.
    "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
}

# Show the router's log (what failed, and why) on the terminal that runs the server.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"rapidsms": {"handlers": ["console"], "level": "INFO"}},
}

# The handlers that the handlers app offers each message to, in this order.
RAPIDSMS_HANDLERS = [
    "clinic_stock.handlers.StockHandler",
]

# A gateway that speaks plain HTTP: an SMS aggregator's API, or your own.
INSTALLED_BACKENDS["gateway"] = {
    "ENGINE": "rapidsms.backends.http.GenericHttpBackend",
    # Replies: the gateway's "send SMS" address, and the names of its parameters.
    "url": os.environ.get("GATEWAY_URL", "http://127.0.0.1:8001/"),
    "method": "GET",
    "identity_name": "to",
    "text_name": "text",
    # Incoming messages: the names of the fields the gateway posts to /backends/gateway/.
    "inbound_params": {"identity_name": "from", "text_name": "text"},
    # Each incoming request must carry one of these as ?token= (list two to change it).
    "inbound_secrets": [os.environ.get("GATEWAY_SECRET", "tutorial-gateway-secret")],
}

# A RapidPro workspace. The defaults talk to the sandbox (manage.py rapidpro_sandbox).
INSTALLED_BACKENDS["rapidpro"] = {
    "ENGINE": "rapidsms.backends.rapidpro.RapidProBackend",
    "url": os.environ.get("RAPIDPRO_URL", "http://127.0.0.1:8765"),
    "api_token": os.environ.get("RAPIDPRO_API_TOKEN", "sandbox-token"),
    "inbound_secrets": [os.environ.get("RAPIDPRO_SECRET", "tutorial-rapidpro-secret")],
}
