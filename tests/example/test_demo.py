"""``make demo`` works: the example project's commands and pages, run for real.

Each test runs ``example/manage.py`` in a subprocess, as ``make demo`` does,
on a temporary SQLite file; the pages are fetched over real HTTP from
``manage.py runserver`` on a free loopback port.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.example.server import csrf_token, manage, migrated_database, serve_example

PAGE_TIMEOUT = 10
TESTER_PAGE = "/httptester/+15550100/"


def conversation_rows(db_path: Path, identity: str) -> list[tuple[str, str]]:
    """Return (direction, text) of the message tester's rows for ``identity``."""
    with sqlite3.connect(db_path) as db:
        return db.execute(
            "SELECT direction, text FROM database_backendmessage "
            "WHERE name = 'message_tester' AND identity = ? ORDER BY id",
            (identity,),
        ).fetchall()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated example database, as ``make demo``'s first step leaves it."""
    return migrated_database(tmp_path_factory, tmp_path_factory.mktemp("example") / "db.sqlite3")


@pytest.fixture(scope="module")
def server(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run ``demo_setup`` and serve the example project; yield its base URL."""
    result = manage(db_path, "demo_setup")
    assert result.returncode == 0, result.stdout + result.stderr
    with serve_example(db_path, tmp_path_factory.mktemp("server") / "runserver.log") as url:
        yield url


@pytest.fixture(scope="module")
def demo_session(server: str) -> Iterator[requests.Session]:
    """A session logged in as demo/demo through the login page."""
    with requests.Session() as session:
        login_url = server + "/login/?next=/"
        page = session.get(login_url, timeout=PAGE_TIMEOUT)
        assert page.status_code == 200
        response = session.post(
            login_url,
            data={
                "csrfmiddlewaretoken": csrf_token(page.text),
                "username": "demo",
                "password": "demo",
                "next": "/",
            },
            timeout=PAGE_TIMEOUT,
        )
        assert response.status_code == 200
        assert response.url == server + "/", "the login did not land on the dashboard"
        yield session


def send_test_message(
    session: requests.Session, server: str, identity: str, text: str
) -> requests.Response:
    """Post the message tester's form as a person would, following the redirect."""
    page_url = server + TESTER_PAGE
    page = session.get(page_url, timeout=PAGE_TIMEOUT)
    return session.post(
        page_url,
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "action": "send",
            "identity": identity,
            "text": text,
        },
        timeout=PAGE_TIMEOUT,
    )


# The commands -----------------------------------------------------------------


def test_check_finds_no_issues(tmp_path: Path) -> None:
    result = manage(tmp_path / "db.sqlite3", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_supplies_has_no_missing_migration(tmp_path: Path) -> None:
    result = manage(tmp_path / "db.sqlite3", "makemigrations", "supplies", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_setup_creates_the_login_once_and_prints_it(db_path: Path) -> None:
    first = manage(db_path, "demo_setup")
    second = manage(db_path, "demo_setup")
    for result in (first, second):
        assert result.returncode == 0, result.stdout + result.stderr
        assert "http://127.0.0.1:8000/" in result.stdout
        assert re.search(r"Login\s+demo\n", result.stdout)
        assert re.search(r"Password\s+demo\n", result.stdout)
        assert "echo hi" in result.stdout
    assert "already exists" in second.stdout
    with sqlite3.connect(db_path) as db:
        users = db.execute(
            "SELECT is_superuser, is_staff FROM auth_user WHERE username = 'demo'"
        ).fetchall()
    assert users == [(1, 1)]


def test_demo_setup_before_migrate_says_what_to_do(tmp_path: Path) -> None:
    result = manage(tmp_path / "empty.sqlite3", "demo_setup")
    assert result.returncode != 0
    assert "Run `python manage.py migrate` first." in result.stderr
    assert "Traceback" not in result.stderr


def test_the_example_apps_own_tests_pass(tmp_path: Path) -> None:
    result = manage(tmp_path / "db.sqlite3", "test", "supplies", "--noinput")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Ran \d+ tests", result.stderr)
    assert "\nOK" in result.stderr


# The pages --------------------------------------------------------------------


def test_dashboard_needs_a_login(server: str) -> None:
    response = requests.get(server + "/", allow_redirects=False, timeout=PAGE_TIMEOUT)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/?next=/"


def test_dashboard_links_the_pages_and_lists_the_sms_apps(
    server: str, demo_session: requests.Session
) -> None:
    page = session_get(demo_session, server + "/")
    for url in ("/httptester/", "/messagelog/", "/messaging/", "/registration/",
                "/rapidsms/messages/", "/admin/"):
        assert f'<h2><a href="{url}">' in page
    apps = re.findall(r"<li><strong>(\w+)</strong> <code>([\w.]+)</code></li>", page)
    assert apps == [
        ("messagelog", "rapidsms.contrib.messagelog.app.MessageLogApp"),
        ("optout", "rapidsms.contrib.optout.app.OptOutApp"),
        ("handlers", "rapidsms.contrib.handlers.app.App"),
        ("supplies", "supplies.app.SuppliesApp"),
        ("default", "rapidsms.contrib.default.app.DefaultApp"),
        ("message_tester", "rapidsms.backends.database.outgoing.DatabaseBackend"),
        ("standin", "example_project.standin_gateway.StandInGateway"),
    ]


def test_style_sheet_and_scripts_are_served(server: str, demo_session: requests.Session) -> None:
    page = session_get(demo_session, server + TESTER_PAGE)
    href = re.search(r'<link rel="stylesheet" href="([^"]+)">', page).group(1)
    css = requests.get(server + href, timeout=PAGE_TIMEOUT)
    assert css.status_code == 200
    assert ".conversation" in css.text
    for script in re.findall(r'<script src="([^"]+)" defer>', page):
        assert requests.get(server + script, timeout=PAGE_TIMEOUT).status_code == 200


def test_database_is_in_wal_mode(server: str, db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_echo_reply_appears_in_the_conversation(
    server: str, demo_session: requests.Session, db_path: Path
) -> None:
    response = send_test_message(demo_session, server, "+1 555 0101", "echo hi")
    assert response.status_code == 200
    assert response.url == server + "/httptester/+15550101/"
    assert "Conversation with +15550101" in response.text
    texts = re.findall(r'<span class="text">(.*?)</span>', response.text, re.DOTALL)
    assert texts == ["echo hi", "hi"]
    assert conversation_rows(db_path, "+15550101") == [("I", "echo hi"), ("O", "hi")]


def test_stock_report_reaches_the_supplies_app(
    server: str, demo_session: requests.Session, db_path: Path
) -> None:
    send_test_message(demo_session, server, "+15550102", "stock ors 12")
    response = send_test_message(demo_session, server, "+15550102", "stock ors 9")
    assert "Thank you. ORS: 9 in stock (last report: 12)." in response.text
    with sqlite3.connect(db_path) as db:
        reports = db.execute(
            "SELECT item, quantity FROM supplies_stockreport ORDER BY id"
        ).fetchall()
    assert reports == [("ORS", 12), ("ORS", 9)]


def test_unknown_text_gets_the_default_reply(server: str, demo_session: requests.Session) -> None:
    response = send_test_message(demo_session, server, "+15550103", "hello <b>there</b>")
    assert "Sorry, RapidSMS demo could not understand your message." in response.text
    # What a sender types is shown as text, never as markup.
    assert "hello &lt;b&gt;there&lt;/b&gt;" in response.text
    assert "<b>there</b>" not in response.text


def test_message_log_and_its_export_show_the_conversation(
    server: str, demo_session: requests.Session
) -> None:
    send_test_message(demo_session, server, "+15550106", "join Amina")
    page = session_get(demo_session, server + "/messagelog/?q=%2B15550106")
    assert "Thank you for registering, Amina!" in page
    # The durable router sends the reply right after the request; its status
    # moves from queued to sent a moment later.
    deadline = time.monotonic() + 15
    while True:
        export = demo_session.get(
            server + "/messagelog/export.csv?q=%2B15550106&sort=date", timeout=PAGE_TIMEOUT
        )
        lines = export.content.decode("utf-8-sig").splitlines()
        if lines[-1].endswith(",sent,") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert lines[0] == "date,direction,contact,identity,backend,text,status,error"
    assert [line.split(",", 1)[1] for line in lines[1:]] == [
        "I,,'+15550106,message_tester,join Amina,,",
        "O,Amina,'+15550106,message_tester,"
        "\"Thank you for registering, Amina!\",sent,",
    ]


# The durable router and the stand-in gateway ------------------------------------

SEND_THROUGH_THE_STAND_IN = """
import time
from rapidsms.router import lookup_connections, send
from rapidsms.router.db.models import Transmission
send("clinic closed", lookup_connections("standin", ["+254700000001", "+254700000010"]))
# The stand-in gateway reports delivery after 2 s, from a thread of this process.
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not Transmission.objects.filter(
        identity="+254700000001", status="delivered").exists():
    time.sleep(0.2)
time.sleep(0.5)  # let the report's thread finish writing the message log
"""


def test_the_stand_in_gateway_moves_statuses_and_demo_traffic_fills_the_charts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = migrated_database(tmp_path_factory, tmp_path_factory.mktemp("standin") / "db.sqlite3")
    result = manage(db, "shell", "-c", SEND_THROUGH_THE_STAND_IN)
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(db) as database:
        log = database.execute(
            "SELECT c.identity, m.status, m.error FROM messagelog_message m "
            "JOIN rapidsms_connection c ON c.id = m.connection_id ORDER BY c.identity"
        ).fetchall()
        stored = database.execute(
            "SELECT identity, status FROM db_transmission ORDER BY identity").fetchall()
    assert log[0] == ("+254700000001", "delivered", "")
    assert log[1][:2] == ("+254700000010", "failed") and "unknown subscriber" in log[1][2]
    assert stored == [("+254700000001", "delivered"), ("+254700000010", "failed")]

    first = manage(db, "demo_traffic", "--days", "3")
    again = manage(db, "demo_traffic")
    assert first.returncode == 0 and "made-up messages over 3 days" in first.stdout
    assert "already" in again.stdout
    with sqlite3.connect(db) as database:
        (seeded,) = database.execute(
            "SELECT count(*) FROM messagelog_message WHERE router_message_id = 'demo-traffic'"
        ).fetchone()
    assert seeded > 20


@pytest.mark.parametrize(
    ("identity", "text", "error"),
    [
        ("+15550104", "", "This field is required."),
        ("+15550104", "   ", "This field is required."),
        ("+15550104", "x" * 1601, "Ensure this value has at most 1600 characters (it has 1601)."),
        ("not a number", "echo hi", "Enter a phone number of 3 to 20 digits"),
        ("", "echo hi", "This field is required."),
        ("+123456789012345678901", "echo hi", "Enter a phone number of 3 to 20 digits"),
    ],
)
def test_bad_input_gets_a_form_error_and_sends_nothing(
    server: str,
    demo_session: requests.Session,
    db_path: Path,
    identity: str,
    text: str,
    error: str,
) -> None:
    response = send_test_message(demo_session, server, identity, text)
    assert response.status_code == 200
    assert response.url == server + TESTER_PAGE, "a refused message must not redirect"
    assert '<ul class="errorlist"' in response.text
    assert error in response.text
    assert conversation_rows(db_path, "+15550104") == []


def test_longest_text_is_accepted(
    server: str, demo_session: requests.Session, db_path: Path
) -> None:
    text = "echo " + "é" * 1595
    response = send_test_message(demo_session, server, "+15550105", text)
    assert response.status_code == 200
    assert conversation_rows(db_path, "+15550105") == [("I", text), ("O", "é" * 1595)]


def session_get(session: requests.Session, url: str) -> str:
    response = session.get(url, timeout=PAGE_TIMEOUT)
    assert response.status_code == 200
    return response.text
