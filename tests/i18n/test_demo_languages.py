"""The demo speaks the contact's language end to end: ``make demo``'s project, over real HTTP.

The example project is served by ``manage.py runserver`` on loopback; a
message sent with the message tester goes through the router and the
bundled apps, and the reply is read back from the tester's page. The
demo's own SMS app (``STOCK``, ``HELP``) answers in the contact's language
as the bundled apps do.
"""

from __future__ import annotations

import html
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


def last_reply(url: str, session: requests.Session, text: str,
               identity: str = "+15550170") -> str:
    """Send ``text`` from ``identity`` with the tester; return the last reply, as HTML."""
    tester = f"/httptester/{identity}/"
    page = session.get(url + tester, timeout=TIMEOUT)
    response = session.post(url + tester, timeout=TIMEOUT, data={
        "csrfmiddlewaretoken": csrf_token(page.text), "action": "send",
        "identity": identity, "text": text,
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


# What the demo's own app answers, in each language the test switches to.
STOCK_HELP = {
    "sw": "Ili kuripoti akiba, tuma STOCK, jina la bidhaa na idadi, kwa mfano: STOCK ORS 12",
    "fr": "Pour signaler un stock, envoyez STOCK, l'article et la quantité, "
          "par exemple : STOCK ORS 12",
}


def test_after_lang_the_demos_stock_and_help_replies_follow(
    demo: tuple[str, requests.Session],
) -> None:
    url, session = demo

    def reply(text: str) -> str:
        return html.unescape(last_reply(url, session, text, identity="+15550171"))

    assert reply("join Baraka") == "Thank you for registering, Baraka!"
    assert reply("stock ors 12") == "Thank you. ORS: 12 in stock."

    assert reply("lang sw") == "Nitazungumza nawe kwa Kiswahili."
    assert reply("stock ors 9") == "Asante. ORS: 9 zipo kwenye akiba (ripoti iliyopita: 12)."
    assert reply("STOCK") == STOCK_HELP["sw"]
    assert reply("stock ors") == "Samahani, ripoti hiyo haina idadi. " + STOCK_HELP["sw"]
    assert reply("help") == (
        "Tuma STOCK <bidhaa> <idadi> kuripoti akiba (kwa mfano STOCK ORS 12), "
        "ECHO <maandishi> kurudishiwa maandishi, au ping."
    )

    assert reply("lang fr") == "Je vous parlerai en Français."
    assert reply("stock zinc 5") == "Merci. ZINC : 5 en stock."
    assert reply("stock 12 5") == (
        "Désolé, 12 n'est pas un nom d'article. " + STOCK_HELP["fr"]
    )
    assert reply("stock ors 1000000") == (
        "Désolé, 1000000 dépasse 999999 ; vérifiez la quantité et renvoyez-la."
    )
    assert reply("HELP me") == (
        "Envoyez STOCK <article> <quantité> pour signaler un stock (par ex. STOCK ORS 12), "
        "ECHO <texte> pour recevoir le texte en écho, ou ping."
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

