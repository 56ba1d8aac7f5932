"""Settings of a project that uses every bundled app and gateway of an installed rapidsms.

``tests/packaging`` copies this folder into an empty temporary directory
and runs ``installed_checks.py`` there with a fresh environment's Python,
so every template, static file, translation and migration comes from the
wheel. SQLite keeps it free of services.
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "packaging-tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ROOT_URLCONF = "installed_urls"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}

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

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "collected-static"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "rapidsms-login"

#: Nothing listens there: no test may reach a real gateway.
NOWHERE = "http://127.0.0.1:9/"
SECRET = "packaging-tests-inbound-secret"

# One backend of every kind that receives over HTTP, so that each inbound
# and status view is mounted, and the message tester's.
INSTALLED_BACKENDS = {
    "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
    "gateway": {
        "ENGINE": "rapidsms.backends.http.GenericHttpBackend",
        "url": NOWHERE,
        "inbound_params": {"identity_name": "from", "text_name": "text"},
    },
    "kannel": {"ENGINE": "rapidsms.backends.kannel.KannelBackend", "sendsms_url": NOWHERE},
    "vumi": {"ENGINE": "rapidsms.backends.vumi.VumiBackend", "sendsms_url": NOWHERE},
    "twilio": {
        "ENGINE": "rapidsms.backends.twilio.TwilioBackend",
        "account_sid": "AC" + "0" * 32,
        "auth_token": "packaging-tests-token",
        "from_number": "+15017122661",
        "api_url": NOWHERE,
    },
    "rapidpro": {
        "ENGINE": "rapidsms.backends.rapidpro.RapidProBackend",
        "url": NOWHERE,
        "api_token": "packaging-tests-token",
    },
}
for _conf in INSTALLED_BACKENDS.values():
    if _conf["ENGINE"] != "rapidsms.backends.database.DatabaseBackend":
        _conf["inbound_secrets"] = [SECRET]

RAPIDSMS_HANDLERS = [
    "rapidsms.contrib.echo.handlers.echo.EchoHandler",
    "rapidsms.contrib.echo.handlers.ping.PingHandler",
]

# The message store's pages and commands, without Celery (eager, as the demo runs).
CELERY_TASK_ALWAYS_EAGER = True
