"""The pages' shell: login required everywhere, the dashboard, login and logout."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    ("rapidsms-dashboard", {}),
    ("httptester-index", {}),
    ("httptester", {"identity": "+15550001"}),
    ("message_log", {}),
    ("message_log_export", {}),
    ("messaging", {}),
    ("registration", {}),
    ("registration_contact_add", {}),
    ("registration_contact_edit", {"pk": 1}),
    ("registration_contact_delete", {"pk": 1}),
    ("registration_bulk_add", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_every_page_needs_a_login(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url.replace('+', '%2B')}"


def test_posts_need_a_login_too_and_change_nothing(client):
    from rapidsms.backends.database.models import BackendMessage

    response = client.post(reverse("httptester", args=["+15550001"]),
                           {"identity": "+15550001", "text": "echo hi"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    response = client.post(reverse("send_message"), {"text": "hi", "all_matching": "on"})
    assert response["Location"].startswith("/login/")
    assert not BackendMessage.objects.exists()


def test_login_page_logs_in_and_goes_on_to_the_page_asked_for(client, user):
    page = client.get("/login/?next=/messagelog/")
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()
    wrong = client.post(
        "/login/", {"username": "amina", "password": "nope", "next": "/messagelog/"}
    )
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()
    response = client.post(
        "/login/", {"username": "amina", "password": "not-secret-123", "next": "/messagelog/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/messagelog/"
    assert client.get("/messagelog/").status_code == 200


def test_logout_is_a_post_from_the_header(logged_in):
    page = logged_in.get("/").content.decode()
    assert re.search(r'<form method="post" action="/logout/"', page)
    assert logged_in.get("/logout/").status_code == 405
    assert logged_in.post("/logout/").status_code == 200
    assert logged_in.get("/").status_code == 302


def test_dashboard_links_every_page_and_lists_apps_and_backends(logged_in):
    page = logged_in.get("/").content.decode()
    for url, title in [
        ("/httptester/", "Message tester"),
        ("/messagelog/", "Message log"),
        ("/messaging/", "Messaging"),
        ("/registration/", "Contacts"),
    ]:
        assert f'<h2><a href="{url}">{title}</a></h2>' in page
    # The admin is offered to staff only.
    assert 'href="/admin/"' not in page
    apps = re.findall(r"<li><strong>(\w+)</strong> <code>([\w.]+)</code></li>", page)
    assert apps[:4] == [
        ("messagelog", "rapidsms.contrib.messagelog.app.MessageLogApp"),
        ("optout", "rapidsms.contrib.optout.app.OptOutApp"),
        ("handlers", "rapidsms.contrib.handlers.app.App"),
        ("default", "rapidsms.contrib.default.app.DefaultApp"),
    ]
    assert ("message_tester", "rapidsms.backends.database.outgoing.DatabaseBackend") in apps
    assert 'aria-current="page">Dashboard</a>' in page


def test_dashboard_shows_a_broken_backend_setting_instead_of_failing(logged_in):
    broken = {"bad": {"ENGINE": "rapidsms.models.Contact"}}  # not a backend class
    with override_settings(INSTALLED_BACKENDS=broken):
        response = logged_in.get("/")
    assert response.status_code == 200
    assert "The router could not be built:" in response.content.decode()
    assert "rapidsms.models.Contact" in response.content.decode()


def test_dashboard_names_a_backend_whose_engine_does_not_import(logged_in):
    broken = {"bad": {"ENGINE": "no.such.Backend"},
              "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"}}
    with override_settings(INSTALLED_BACKENDS=broken):
        page = logged_in.get("/").content.decode()
    assert "Backend bad is not loaded; nothing can be sent or received through it:" in page
    assert "no.such.Backend" in page and "message_tester" in page


def test_staff_see_the_admin_link(logged_in, user):
    user.is_staff = True
    user.save()
    assert 'href="/admin/"' in logged_in.get("/").content.decode()


def test_nav_marks_the_current_page(logged_in):
    page = logged_in.get("/messagelog/").content.decode()
    assert '<a href="/messagelog/" aria-current="page">Message log</a>' in page
    assert '<a href="/" aria-current="page">' not in page


NONSENSE = [
    {"page": "99"}, {"page": "abc"}, {"page": "0"}, {"sort": "no_such_column"},
    {"per_page": "-1"}, {"per_page": "99999999999"}, {"q": "x" * 5000}, {"q": "\x00%'\""},
]


@pytest.mark.parametrize("url", ["/messagelog/", "/messaging/", "/registration/"])
def test_tables_answer_any_query_string_without_an_error(logged_in, url):
    for params in NONSENSE:
        assert logged_in.get(url, params).status_code == 200, params


def test_the_installed_apps_register_their_pages_in_the_navigation(logged_in, user):
    page = logged_in.get("/").content.decode()
    nav = page.split('<nav class="site-nav"')[1].split("</nav>")[0]
    for title in ("Message tester", "Message log", "Messaging", "Contacts"):
        assert f">{title}</a>" in nav
    assert "Message store" not in nav  # staff only
    user.is_staff = True
    user.save()
    nav = logged_in.get("/").content.decode().split('<nav class="site-nav"')[1]
    assert ">Message store</a>" in nav.split("</nav>")[0]
