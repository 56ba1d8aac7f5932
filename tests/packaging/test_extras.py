"""Each extra, installed alone into a fresh environment, runs what the documentation runs.

``test`` runs the installed package's checks and the README's example
(test_installed.py), ``celery`` the deployment guide's workers
(test_deploy_guide.py). ``docs`` is Sphinx, to build documentation: here it
builds an API page of the installed package with autodoc, as the project's
reference does. ``metrics``, installed as the monitoring page says, serves
the metrics URL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.packaging.venvs import Venv, check

#: The project of the installed package's checks, whose URLconf mounts the metrics URL.
INSTALLED = Path(__file__).resolve().parent / "installed"

CONF = '''\
"""A documentation project about the installed rapidsms."""

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "rapidsms"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
)
django.setup()

project = "A project using RapidSMS"
extensions = ["sphinx.ext.autodoc"]
'''

INDEX = '''\
The router functions
====================

.. automodule:: rapidsms.router.api
   :members: receive, send, lookup_connections, get_router
'''


def test_the_docs_extra_builds_an_api_page_of_the_installed_package(docs_venv: Venv,
                                                                     tmp_path: Path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(CONF)
    (source / "index.rst").write_text(INDEX)
    check(docs_venv.run([docs_venv.python, "-m", "sphinx", "-q", "-b", "html", source,
                         tmp_path / "html"], cwd=tmp_path))
    page = (tmp_path / "html" / "index.html").read_text()
    assert "lookup_connections" in page and "creating missing ones" in page


SCRAPE = '''\
"""Scrape the metrics URL once, as Prometheus does, and print the answer."""

import django

django.setup()

from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

call_command("migrate", verbosity=0)
with override_settings(RAPIDSMS_METRICS_TOKENS=["scrape-token"]):
    response = Client().get(reverse("rapidsms_db:metrics"),
                            HTTP_AUTHORIZATION="Bearer scrape-token")
print(response.status_code)
print(response["Content-Type"])
print(response.content.decode())
'''


def test_the_metrics_extra_serves_the_metrics_url(metrics_venv: Venv, tmp_path: Path):
    """Without prometheus-client (an extra that lost it) the URL answers 503."""
    for name in ("installed_settings.py", "installed_urls.py"):
        shutil.copy(INSTALLED / name, tmp_path / name)
    (tmp_path / "scrape.py").write_text(SCRAPE)
    output = check(metrics_venv.run([metrics_venv.python, "scrape.py"], cwd=tmp_path,
                                    DJANGO_SETTINGS_MODULE="installed_settings",
                                    PYTHONPATH=str(tmp_path)))
    status, content_type, *lines = output.splitlines()
    assert status == "200", output
    assert content_type.startswith("text/plain; version="), content_type
    assert "# TYPE rapidsms_messages_received_total counter" in lines
    assert "# TYPE rapidsms_reply_seconds histogram" in lines
