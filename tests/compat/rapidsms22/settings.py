"""RapidSMS 2.2's test settings (its ``tests/default.py``), as a 2.2 project has them.

Only what cannot work here is left out: django-selectable, which is no
longer a dependency (docs/migrating.rst, difference 22), and the console
logging of warnings. The 2.2 test modules are served from the folder named
by the ``RAPIDSMS22_SOURCE`` environment variable (see :mod:`.overlay`).
"""

import os
from pathlib import Path

from celery import Celery

from tests.compat.rapidsms22 import overlay

overlay.install(Path(os.environ["RAPIDSMS22_SOURCE"]))

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

INSTALLED_BACKENDS = {
    "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
}

INSTALLED_APPS = [
    "rapidsms",
    "django_tables2",
    "django.contrib.sites",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django.contrib.contenttypes",
    "rapidsms.contrib.handlers",
    "rapidsms.contrib.httptester",
    "rapidsms.contrib.messagelog",
    "rapidsms.contrib.messaging",
    "rapidsms.contrib.registration",
    "rapidsms.contrib.echo",
    "rapidsms.router.db",
    "rapidsms.backends.database",
    "rapidsms.backends.kannel",
    "rapidsms.tests.translation",
    "rapidsms.contrib.default",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"level": "DEBUG", "class": "logging.NullHandler"}},
    "root": {"handlers": ["null"]},
}

MIDDLEWARE = (
    "django.middleware.common.CommonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)

SITE_ID = 1
SECRET_KEY = "tests-only-not-secret"
LOGIN_REDIRECT_URL = "/"
STATIC_URL = "/static/"
PASSWORD_HASHERS = ("django.contrib.auth.hashers.MD5PasswordHasher",)
ROOT_URLCONF = "tests.compat.rapidsms22.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.debug",
                "django.template.context_processors.i18n",
                "django.template.context_processors.media",
                "django.template.context_processors.static",
                "django.template.context_processors.tz",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.request",
            ],
            "loaders": [
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ],
        },
    },
]

PROJECT_NAME = "rapidsms-test-suite"

app = Celery("rapidsms")
app.config_from_object("django.conf:settings")

CELERY_ALWAYS_EAGER = True
CELERY_EAGER_PROPAGATES_EXCEPTIONS = True

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
