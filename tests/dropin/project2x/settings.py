"""Settings as a RapidSMS 2.x project wrote them (its tutorial's layout).

No ``rapidsms.backends.inbound``, no ``rapidsms.router.db``; a gateway
add-on that is not installed in this environment is still listed, as in a
project whose tests never use it.
"""

import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "a-2x-project-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "urls"
USE_TZ = True

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PROJECT2X_DB", os.path.join(BASE_DIR, "rapidsms.db")),
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tables2",
    # RapidSMS
    "rapidsms",
    "rapidsms.backends.database",
    "rapidsms.contrib.handlers",
    "rapidsms.contrib.httptester",
    "rapidsms.contrib.messagelog",
    "rapidsms.contrib.messaging",
    "rapidsms.contrib.registration",
    "rapidsms.contrib.echo",
    # The project's own
    "addon_gateway",
    "clinic",
    "rapidsms.contrib.default",  # Must be last
]

INSTALLED_BACKENDS = {
    "message_tester": {
        "ENGINE": "rapidsms.backends.database.DatabaseBackend",
    },
    "addon": {
        "ENGINE": "addon_gateway.outgoing.AddonBackend",
        "sendsms_url": "http://127.0.0.1:9/send",
    },
    # A gateway package this environment does not have.
    "twilio-backend": {
        "ENGINE": "rtwilio.outgoing.TwilioBackend",
        "config": {"account_sid": "ACxxx", "auth_token": "xxx", "number": "(###) ###-####"},
    },
}

RAPIDSMS_HANDLERS = [
    "rapidsms.contrib.echo.handlers.echo.EchoHandler",
    "rapidsms.contrib.echo.handlers.ping.PingHandler",
    "clinic.handlers.register.RegisterHandler",
]

DEFAULT_RESPONSE = "Sorry, %(project_name)s could not understand your message."
PROJECT_NAME = "Clinic"

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.debug",
                "django.template.context_processors.i18n",
                "django.template.context_processors.media",
                "django.template.context_processors.static",
                "django.template.context_processors.tz",
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

STATIC_URL = "/static/"
LOGIN_REDIRECT_URL = "/"
