"""The demo speaks the contact's language end to end: ``make demo``'s project, over real HTTP.

The example project is served by ``manage.py runserver`` on loopback; a
message sent with the message tester goes through the router and the
bundled apps, and the reply is read back from the tester's page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.example.server import csrf_token, prepare_database, serve_example

TESTER = "/httptester/+15550170/"
TIMEOUT = 10


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, requests.Session]]:
    folder = tmp_path_factory.mktemp("demo-languages")
    db_path = folder / "db.sqlite3"
    prepare_database(tmp_path_factory, db_path)
    with serve_example(db_path, folder / "runserver.log") as url, requests.Session() as session:
        page = session.get(url + "/login/", timeout=TIMEOUT)
        session.post(url + "/login/", timeout=TIMEOUT, data={
            "csrfmiddlewaretoken": csrf_token(page.text), "username": "demo",
            "password": "demo", "next": "/",
        })
        yield url, session


def last_reply(url: str, session: requests.Session, text: str) -> str:
    page = session.get(url + TESTER, timeout=TIMEOUT)
    response = session.post(url + TESTER, timeout=TIMEOUT, data={
        "csrfmiddlewaretoken": csrf_token(page.text), "action": "send",
        "identity": "+15550170", "text": text,
    })
    assert response.status_code == 200
    replies = re.findall(
        r'<li class="outgoing">.*?<span class="text">(.*?)</span>', response.text, re.DOTALL
    )
    return replies[-1]


def test_lang_sw_makes_the_demos_replies_swahili(demo: tuple[str, requests.Session]) -> None:
    url, session = demo
    assert last_reply(url, session, "join Amina") == "Thank you for registering, Amina!"
    assert last_reply(url, session, "lang sw") == "Nitazungumza nawe kwa Kiswahili."
    assert last_reply(url, session, "echo") == (
        "Ili kurudishiwa maandishi, tuma: ECHO &lt;CHOCHOTE&gt;"
    )
    assert last_reply(url, session, "bonjour") == (
        "Samahani, RapidSMS demo haikuelewa ujumbe wako."
    )
    assert last_reply(url, session, "lang") == (
        "Ili kuchagua lugha yako, tuma LANGUAGE &lt;MSIMBO&gt;"
    )


def test_the_demos_pages_follow_the_browser_and_the_switcher(
    demo: tuple[str, requests.Session],
) -> None:
    url, session = demo
    french = session.get(url + "/messagelog/", headers={"Accept-Language": "fr"}, timeout=TIMEOUT)
    assert '<html lang="fr" dir="ltr">' in french.text
    assert "Journal des messages" in french.text
    page = session.get(url + "/", timeout=TIMEOUT)
    switched = session.post(url + "/i18n/setlang/", timeout=TIMEOUT, data={
        "csrfmiddlewaretoken": csrf_token(page.text), "language": "ar", "next": "/messagelog/",
    })
    assert switched.url == url + "/messagelog/"
    assert '<html lang="ar" dir="rtl">' in switched.text
    assert "سجل الرسائل" in switched.text
    # The demo offers its six languages, each in its own name.
    names = re.findall(r'<option value="[a-z]+" lang="[a-z]+" dir="\w+"[^>]*>(.*?)</option>',
                       switched.text)
    assert names == ["English", "français", "español", "Português", "Kiswahili", "العربيّة"]

