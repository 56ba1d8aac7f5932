"""Packaging for the ``rapidsms`` message router.

Dependencies, and why each is here:

* Django 5.2 LTS: the framework the router, models and pages are built on.
* django-tables2 3.x: the sortable, paginated tables of the web pages.
* requests: the HTTP gateway backends talk to their gateways with it.
* phonenumbers: gateway backends normalise phone numbers to E.164 with it.

Extras: ``celery`` (durable, multi-worker routing), ``test`` (the suite and
the pytest plugin's host, pytest-django), ``docs`` (Sphinx).
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
about: dict[str, str] = {}
exec((HERE / "rapidsms" / "__version__.py").read_text(), about)

setup(
    name="rapidsms",
    version=about["__version__"],
    description=(
        "A Django framework for SMS and chat services: route messages from any "
        "gateway through small apps and send the replies back."
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    packages=find_packages(include=["rapidsms", "rapidsms.*"]),
    include_package_data=True,
    package_data={
        # Every app's templates, static files and translations, wherever the app
        # sits in the package (the durable router's pages are in router/db).
        # tests/packaging fails when the wheel lacks a file git tracks in rapidsms/.
        "rapidsms": [
            "py.typed",
            "**/templates/**/*",
            "**/static/**/*",
            "**/locale/*/LC_MESSAGES/*",
        ]
    },
    python_requires=">=3.11",
    install_requires=[
        "Django>=5.2,<6",
        "django-tables2>=3,<4",
        "requests>=2.31",
        "phonenumbers>=8.13",
    ],
    extras_require={
        # Celery's Redis transport needs more than the redis client (it imports
        # packaging); RabbitMQ needs nothing beyond Celery's own amqp client.
        "celery": ["celery[redis]>=5.3,<6"],
        # The metrics URL speaks Prometheus's text format through its own
        # well-kept client rather than a hand-written encoder.
        "metrics": ["prometheus-client>=0.17"],
        "test": [
            "pytest>=8",
            "pytest-django>=4.8",
            "ruff>=0.6",
            "psycopg[binary]>=3.1",
            "hypothesis>=6.100",
            "gunicorn>=22",
            # Builds the sdist and the wheel that tests/packaging installs.
            "build>=1",
            # Drives the system's Chromium in the browser test; downloads no browser.
            "playwright>=1.40",
            "prometheus-client>=0.17",
            # The gateways' own libraries, as oracles of their formats: Twilio's
            # RequestValidator signs the webhooks of tests/backends/test_twilio.py.
            "twilio>=9",
            # RapidPro's official client reads our sandbox in tests/rapidpro. 2.21.0 is
            # the newest release that installs on Python 3.11 (2.22 needs 3.12).
            "rapidpro-python>=2.21,<2.22",
        ],
        "docs": ["sphinx>=7.2"],
    },
    entry_points={
        "pytest11": ["rapidsms = rapidsms.tests.pytest_plugin"],
    },
    classifiers=[
        "Development Status :: 4 - Beta",
        "Framework :: Django",
        "Framework :: Django :: 5.2",
        "Intended Audience :: Developers",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Communications :: Telephony",
    ],
)
