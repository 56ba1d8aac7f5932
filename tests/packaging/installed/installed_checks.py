"""Checks of an installed rapidsms: everything that needs the package's files, from the wheel.

``tests/packaging/test_installed.py`` runs this module with the pytest of a
fresh environment, in a temporary directory holding only this folder, and
names in ``RAPIDSMS_PACKAGE_FILES`` a JSON file listing the package's files
in the checkout and one translation of each shipped catalogue. The pages
render, the static files are found, the translations load, the migrations
apply and match the models, and every management command runs.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.core.management import ManagementUtility, call_command, get_commands
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.template import engines
from django.urls import URLResolver, get_resolver, reverse
from django.utils.translation.trans_real import DjangoTranslation

import rapidsms

SITE_PACKAGES = Path(sysconfig.get_path("purelib")).resolve()
EXPECTED = json.loads(Path(os.environ["RAPIDSMS_PACKAGE_FILES"]).read_text())
#: The package's files as the checkout has them, e.g. "rapidsms/static/rapidsms/css/x.css".
FILES: list[str] = EXPECTED["files"]


def after(marker: str) -> list[str]:
    """Return the names below the first ``/<marker>/`` folder of each package file."""
    return sorted(path.split(f"/{marker}/", 1)[1] for path in FILES if f"/{marker}/" in path)


def installed(path: str) -> Path:
    return SITE_PACKAGES / path


def test_rapidsms_is_imported_from_site_packages():
    assert Path(rapidsms.__file__).resolve().is_relative_to(SITE_PACKAGES)


# Files ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [path for path in FILES if "/templates/" in path])
def test_every_template_is_installed_and_compiles(path):
    """Compiling loads every ``{% load %}`` library the template names."""
    assert installed(path).is_file(), f"{path} is not in the installed package"
    engines["django"].from_string(installed(path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", after("static"))
def test_every_static_file_is_found(name):
    found = finders.find(name, find_all=True)
    assert any(Path(match).resolve().is_relative_to(SITE_PACKAGES) for match in found), found


def test_collectstatic_collects_every_static_file(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    assert all((tmp_path / name).is_file() for name in after("static"))


@pytest.mark.parametrize("catalogue, language, msgid, msgstr",
                         [tuple(entry) for entry in EXPECTED["translations"]],
                         ids=[entry[0] for entry in EXPECTED["translations"]])
def test_every_translation_catalogue_loads(catalogue, language, msgid, msgstr):
    """The ``.mo`` of each ``.po``: ``django`` for Python, ``djangojs`` for the scripts."""
    domain = Path(catalogue).stem
    assert DjangoTranslation(language, domain=domain).gettext(msgid) == msgstr


def test_py_typed_is_installed():
    assert (Path(rapidsms.__file__).parent / "py.typed").is_file()


def test_the_pytest_plugin_of_the_package_is_active(pytestconfig):
    """The wheel's entry point registers it, as the ``test`` extra promises."""
    assert pytestconfig.pluginmanager.has_plugin("rapidsms")


# Migrations -------------------------------------------------------------------


def package_apps() -> list[str]:
    return [config.label for config in apps.get_app_configs()
            if config.name.startswith("rapidsms")]


@pytest.mark.django_db
def test_every_migration_of_the_package_is_applied():
    """pytest-django migrated the test database: each migration file ran."""
    loader = MigrationLoader(connection)
    on_disk = {key for key in loader.disk_migrations if key[0] in package_apps()}
    assert on_disk, "no migration of the package was found"
    assert on_disk <= set(loader.applied_migrations)


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# Pages ------------------------------------------------------------------------

PHONE = "+15550001"


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """Return (route, name) for each view of the package, admin left out.

    The name is the one ``reverse()`` takes (``namespace:name``), or the
    route for a view without one.
    """
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route != "admin/":
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                found += walk(pattern.url_patterns, route, inner)
        elif getattr(pattern.callback, "__module__", "").startswith("rapidsms"):
            found.append((route, namespace + pattern.name if pattern.name else route))
    return found


def package_views() -> dict[str, str]:
    """Return the route of each view of the package, by name."""
    return {name: route for route, name in walk(get_resolver().url_patterns)}


#: What a request to each known page must answer; each entry is
#: (method, URL kwargs, who asks, expected status). Unlisted views must not
#: answer 500.
PAGES: dict[str, tuple[str, dict[str, Any], str, int]] = {
    "rapidsms-dashboard": ("get", {}, "admin", 200),
    "rapidsms-login": ("get", {}, "anonymous", 200),
    "rapidsms-logout": ("post", {}, "admin", 200),
    "httptester-index": ("get", {}, "admin", 302),
    "httptester": ("get", {"identity": PHONE}, "admin", 200),
    "message_log": ("get", {}, "admin", 200),
    "message_log_export": ("get", {}, "admin", 200),
    "messaging": ("get", {}, "admin", 200),
    "send_message": ("post", {}, "admin", 400),  # the form again, with what is missing
    "registration": ("get", {}, "admin", 200),
    "registration_contact_add": ("get", {}, "admin", 200),
    "registration_contact_edit": ("get", {"pk": "contact"}, "admin", 200),
    "registration_contact_delete": ("get", {"pk": "contact"}, "admin", 200),
    "registration_bulk_add": ("get", {}, "admin", 200),
    "rapidsms_db:messages": ("get", {}, "admin", 200),
    "rapidsms_db:health": ("get", {}, "anonymous", 200),
}


@pytest.fixture
def contact(db: None) -> Any:
    from rapidsms.models import Backend, Contact

    contact = Contact.objects.create(name="Amina")
    backend, _ = Backend.objects.get_or_create(name="message_tester")
    contact.connection_set.create(identity=PHONE, backend=backend)
    return contact


def request(client: Any, admin_client: Any, contact: Any, name: str) -> Any:
    method, kwargs, who, _ = PAGES[name]
    kwargs = {key: contact.pk if value == "contact" else value for key, value in kwargs.items()}
    return getattr(admin_client if who == "admin" else client, method)(reverse(name, kwargs=kwargs))


def test_every_page_of_the_package_is_checked():
    """A page added to a URLconf joins PAGES (or is at least requested below)."""
    assert set(PAGES) <= set(package_views())


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_page_answers(client, admin_client, contact, name):
    response = request(client, admin_client, contact, name)
    assert response.status_code == PAGES[name][3], response.content[:2000]
    if response.status_code != 302 and response["Content-Type"].startswith("text/html"):
        assert response.templates, "the page rendered no template"


def test_the_pages_render_the_packaged_templates(admin_client):
    response = admin_client.get(reverse("rapidsms_db:messages"))
    origins = {Path(template.origin.name).resolve() for template in response.templates
               if template.origin and template.origin.name}
    assert installed("rapidsms/router/db/templates/db/message_list.html").resolve() in origins


def fill(route: str) -> str:
    """Return a URL for ``route``, with a sample value for each converter."""
    samples = {"int": "1", "rapidsms_phone": PHONE.replace("+", "%2B"), "slug": "x", "str": "x",
               "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples.get(m.group(1) or "str", "x"),
                        route)


@pytest.mark.parametrize("name", sorted(set(package_views()) - set(PAGES)))
def test_every_other_view_of_the_package_answers_without_error(admin_client, name):
    """The gateways' inbound and status URLs refuse a request without their secret."""
    route = package_views()[name]
    for method in ("get", "post"):
        response = getattr(admin_client, method)(fill(route))
        assert response.status_code < 500, (method, route, response.content[:2000])


@pytest.mark.parametrize("model", [model for model in admin.site._registry
                                   if model._meta.app_config.name.startswith("rapidsms")],
                         ids=lambda model: model._meta.label)
def test_every_admin_page_of_the_package_renders(admin_client, model):
    opts = model._meta
    for page in ("changelist", "add"):
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{page}")
        response = admin_client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)


# Management commands ------------------------------------------------------------


def package_commands() -> list[str]:
    return sorted(name for name, app in get_commands().items() if app.startswith("rapidsms"))


def test_the_package_has_its_commands():
    assert {"update_backends", "rapidsms_status", "rapidsms_prune"} <= set(package_commands())


@pytest.mark.parametrize("name", package_commands())
def test_every_command_of_the_package_prints_its_help(capsys, name):
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", name, "--help"]).execute()
    assert exit_.value.code in (0, None)
    assert "usage: manage.py " + name in capsys.readouterr().out


def run(*args: str) -> str:
    """Run a management command here; return what it printed."""
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_check_finds_no_problem():
    run("check")


@pytest.mark.django_db
def test_migrate_has_nothing_left_to_apply():
    run("migrate", "--check")


@pytest.mark.django_db
def test_update_backends_adds_each_backend():
    assert run("update_backends").splitlines() == [
        f"Added persistent backend {name}" for name in settings.INSTALLED_BACKENDS
    ]


@pytest.mark.django_db
def test_rapidsms_status_reports_the_store_and_the_queues():
    assert "Worker queues: rapidsms.incoming," in run("rapidsms_status")
    assert "queues" in json.loads(run("rapidsms_status", "--json"))


@pytest.mark.django_db
def test_rapidsms_prune_runs():
    run("rapidsms_prune", "--days", "1", "--dry-run")
    run("rapidsms_prune", "--days", "1")


@pytest.fixture
def sandbox():
    """``manage.py rapidpro_sandbox`` on a free port; yields its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "django", "rapidpro_sandbox", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            proc.kill()
            pytest.fail(f"rapidpro_sandbox did not start:\n{proc.communicate()[0]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.django_db(transaction=True)
def test_the_rapidpro_commands_run_against_the_sandbox(sandbox, settings):
    settings.INSTALLED_BACKENDS = {
        **settings.INSTALLED_BACKENDS,
        "rapidpro": {**settings.INSTALLED_BACKENDS["rapidpro"], "url": sandbox,
                     "api_token": "sandbox-token"},
    }
    requests.post(f"{sandbox}/sandbox/receive.json",
                  json={"urn": "tel:+250788123123", "text": "ping"}, timeout=10)
    assert "incoming: 1 listed, 1 routed" in run("rapidpro_poll", "rapidpro")
    run("rapidpro_subscribe", "rapidpro", "--list")
