"""The messaging page's confirmation before a bulk send, in a real browser.

Debian's headless Chromium, driven by Playwright, on the example project
served by ``manage.py runserver`` on loopback (see ``tests/pages/test_browser.py``
for what it needs; without it the test is skipped, or fails under
``RAPIDSMS_REQUIRE_SERVICES=1``). The demo's superuser ticks recipients, or
sends to every match of a search, and sees the recipients, the SMS each
costs and the opted-out ones; nothing reaches the database backend's table
until the confirmation's button is pressed, and then the message goes once
to every recipient who did not opt out. A user without the
``messaging.send_bulk`` permission is not offered a bulk send.
"""

from __future__ import annotations

import sqlite3

from tests.example.server import manage
from tests.pages.test_browser import (  # noqa: F401 (fixtures)
    TIMEOUT_MS,
    browser,
    log_in,
    server,
    server_db,
)

MESSAGING = "/messaging/"
# Four numbers on the message tester's backend; the second one opted out.
NUMBERS = ["+15550701", "+15550702", "+15550703", "+15550704"]
OPTED_OUT = NUMBERS[1]
CLERK = ("clerk", "clerk-pass-4821")
SETUP = f"""
from django.contrib.auth import get_user_model
from rapidsms.contrib.optout.models import OptOut
from rapidsms.models import Backend, Connection

backend, _ = Backend.objects.get_or_create(name="message_tester")
for identity in {NUMBERS!r}:
    Connection.objects.get_or_create(backend=backend, identity=identity)
OptOut.objects.get_or_create(connection=Connection.objects.get(identity={OPTED_OUT!r}))
get_user_model().objects.create_user({CLERK[0]!r}, password={CLERK[1]!r})
"""
# 161 GSM-7 characters: two SMS segments each.
LONG_TEXT = "Clinic closed on Friday. " + "x" * 136
assert len(LONG_TEXT) == 161


def sent_to(url: str, text: str) -> list[str]:
    """Return the identities the database backend stored ``text`` for, outgoing, in order."""
    with sqlite3.connect(server_db(url)) as db:
        rows = db.execute(
            "SELECT identity FROM database_backendmessage WHERE direction = 'O' AND text = ?"
            " ORDER BY identity", (text,)).fetchall()
    return [identity for (identity,) in rows]


def summary(page) -> list[str]:
    return [" ".join(item.split()) for item in page.locator("ul.summary li").all_text_contents()]


def test_a_bulk_send_is_confirmed_before_anything_is_sent(browser, server: str) -> None:  # noqa: F811
    result = manage(server_db(server), "shell", "-c", SETUP)
    assert result.returncode == 0, result.stderr
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # The demo's superuser ticks three recipients, one of them opted out.
        log_in(page, server, MESSAGING)
        assert page.locator("input[name=all_matching]").count() == 1
        page.get_by_label("Message").fill(LONG_TEXT)
        for identity in NUMBERS[:3]:
            page.get_by_label(f"Send to {identity}").check()
        assert page.locator("#selected-count").text_content() == "3 selected on this page"
        page.get_by_role("button", name="Send", exact=True).click()
        page.wait_for_url(server + "/messaging/send/")
        assert page.locator("h1").text_content() == "Confirm the message"
        assert page.locator("#summary-title").text_content() == "To 3 recipients"
        assert summary(page) == [
            "It is 2 SMS each.",
            "1 recipient opted out and will not get it.",
            "4 SMS in all.",
        ]
        assert sent_to(server, LONG_TEXT) == [], "sent before the confirmation"

        page.get_by_role("button", name="Send to 3 recipients").click()
        page.wait_for_url(server + MESSAGING)
        flashes = " ".join(page.locator("li[class^=flash-]").all_text_contents())
        assert "Your message was sent to 2 recipients. It is 2 SMS each." in flashes
        assert f"Not sent to 1 opted-out recipient(s): {OPTED_OUT}." in flashes
        assert sent_to(server, LONG_TEXT) == [NUMBERS[0], NUMBERS[2]]

        # "Send to all" the matches of a search: every page of them, opted-out one aside.
        page.get_by_role("searchbox", name="Find recipients").fill("+1555070")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(server + MESSAGING + "?q=%2B1555070")
        text = "Vaccination day: Monday"
        page.get_by_label("Message").fill(text)
        page.locator("input[name=all_matching]").check()
        page.get_by_role("button", name="Send", exact=True).click()
        assert page.locator("#summary-title").text_content() == "To 4 recipients"
        assert summary(page) == [
            "It is 1 SMS each.",
            "1 recipient opted out and will not get it.",
            "3 SMS in all.",
        ]
        assert sent_to(server, text) == []
        page.get_by_role("button", name="Send to 4 recipients").click()
        page.wait_for_url(server + MESSAGING + "?q=%2B1555070")
        assert sent_to(server, text) == [NUMBERS[0], NUMBERS[2], NUMBERS[3]]
        # The send answered with a redirect: reloading the page sends nothing more.
        page.reload()
        assert sent_to(server, LONG_TEXT) == [NUMBERS[0], NUMBERS[2]]
        assert sent_to(server, text) == [NUMBERS[0], NUMBERS[2], NUMBERS[3]]

        # A user without messaging.send_bulk is not offered a bulk send, and is refused one.
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(server + "/login/")
        log_in(page, server, MESSAGING, *CLERK)
        assert page.locator("input[name=all_matching]").count() == 0
        needs = page.get_by_text("Sending to more than one at once needs the permission")
        assert needs.count() == 1
        page.get_by_label("Message").fill("From the clerk")
        page.get_by_label(f"Send to {NUMBERS[0]}").check()
        page.get_by_label(f"Send to {NUMBERS[2]}").check()
        page.get_by_role("button", name="Send", exact=True).click()
        page.wait_for_url(server + "/messaging/send/")
        assert page.locator("h1").text_content() == "Messaging"
        assert "needs the permission" in page.locator(".errors").text_content()
        assert sent_to(server, "From the clerk") == []
        assert errors == [], f"JavaScript errors: {errors}"
    finally:
        context.close()
