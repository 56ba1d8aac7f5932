"""Each extra, installed alone into a fresh environment, runs what the documentation runs.

``test`` runs the installed package's checks and the README's example
(test_installed.py), ``celery`` the deployment guide's workers
(test_deploy_guide.py). ``docs`` is Sphinx, to build documentation: here it
builds an API page of the installed package with autodoc, as the project's
reference does.
"""

from __future__ import annotations

from pathlib import Path

from tests.packaging.venvs import Venv, check

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
