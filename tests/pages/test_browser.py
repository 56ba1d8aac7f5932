"""The pages in a real browser: Debian's headless Chromium, driven by Playwright.

The example project is served by ``manage.py runserver`` on loopback, as
``make demo`` serves it. The test logs in, sends ``echo hello`` in the
message tester and sees the reply appear without a page reload, checks that
no page scrolls sideways on a 360 px wide screen, and takes the screenshots
the documentation shows.

It needs the ``playwright`` package (the ``test`` extra) and
``/usr/bin/chromium`` (Debian's ``chromium`` package); nothing is downloaded.
Without them it is skipped, and under ``RAPIDSMS_REQUIRE_SERVICES=1`` it
fails instead. The screenshots are written to ``docs/images/`` when they are
missing or when ``RAPIDSMS_UPDATE_SCREENSHOTS=1``, so that an ordinary test
run leaves the checkout unchanged.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from rapidsms.backends.encoding import Alphabet, count_segments
from tests.example.server import manage, prepare_database, serve_example

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SCREENSHOTS = {"tester": "message-tester.png", "log": "message-log.png"}
TESTER = "/httptester/+15550100/"
TIMEOUT_MS = 10_000
NARROW = {"width": 360, "height": 740}
# Texts at the edges of SMS segments: the page's counter must agree with the server's.
COUNTER_CASES = [
    "", "a" * 160, "a" * 161, "a" * 306, "a" * 307, "a" * 152 + "€", "a" * 153 + "€",
    "€" * 80, "é" * 70, "ł" * 70, "ł" * 71, "😀" * 35, "😀" * 36, "a" * 66 + "😀",
    "line\nbreak{}", "Привет, мир",
]
# Every page, as a phone shows it; none may scroll sideways.
NARROW_PAGES = [
    "/",
    TESTER,
    "/messagelog/",
    "/messagelog/?q=nothing+matches&direction=I",
    "/messaging/",
    "/registration/",
    "/registration/add/",
    "/registration/bulk/",
]


def skip_or_fail(reason: str) -> None:
    if os.environ.get("RAPIDSMS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (RAPIDSMS_REQUIRE_SERVICES=1 requires the browser test)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if importlib.util.find_spec("playwright") is None:
        skip_or_fail("Playwright is not installed (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


#: The database file of each served example, by its base URL.
DATABASES: dict[str, Path] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    db_path = folder / "db.sqlite3"
    prepare_database(tmp_path_factory, db_path)
    with serve_example(db_path, folder / "runserver.log") as url:
        DATABASES[url] = db_path
        yield url


def server_db(url: str) -> Path:
    return DATABASES[url]


def log_in(page, server: str, next_url: str, username: str = "demo",
           password: str = "demo") -> None:
    page.goto(f"{server}/login/?next={quote(next_url)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + next_url)


def send(page, text: str, reply: str) -> None:
    """Send ``text`` with the tester's form and wait for ``reply`` in the conversation."""
    replies = page.locator(".conversation li.outgoing .text")
    before = replies.count()
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_function(
        "([count, reply]) => { const items = document.querySelectorAll("
        "'.conversation li.outgoing .text'); return items.length > count && "
        "items[items.length - 1].textContent === reply; }",
        arg=[before, reply],
        timeout=TIMEOUT_MS,
    )


def save_screenshot(page, name: str, tmp_path: Path) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    target = DOCS_IMAGES / name
    if os.environ.get("RAPIDSMS_UPDATE_SCREENSHOTS") == "1" or not target.exists():
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
    return shot


def test_message_tester_replies_without_a_reload_and_pages_fit_a_phone(
    browser, server: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 820})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, server, TESTER)
        # A full page load would forget this.
        page.evaluate("window.sameDocument = true")
        send(page, "echo hello", "hello")
        assert page.evaluate("window.sameDocument") is True, "the page was reloaded"
        assert page.get_by_label("Message").input_value() == ""
        texts = page.locator(".conversation .text").all_text_contents()
        assert texts[-2:] == ["echo hello", "hello"]
        cost = page.locator(".conversation li.outgoing .sms-cost").last.text_content()
        assert " ".join(cost.split()) == "5 characters · 1 SMS · GSM-7"

        # The counter counts as the server does, before anything is sent.
        page.get_by_label("Message").fill("echo " + "€" * 80)
        counter = page.locator("#text-counter").text_content()
        assert counter == "85 characters · 2 SMS · GSM-7"
        for text in COUNTER_CASES:
            expected = count_segments(text)
            counted = page.evaluate("text => window.rapidsmsSmsCount(text)", text)
            assert (counted["segments"], counted["units"], counted["gsm"]) == (
                expected.segments, expected.units, expected.alphabet is Alphabet.GSM7
            ), text

        for text, reply in [
            ("join Amina", "Thank you for registering, Amina!"),
            ("stock ors 12", "Thank you. ORS: 12 in stock."),
            ("echo Karibu sana — asante!", "Karibu sana — asante!"),
        ]:
            send(page, text, reply)
        assert page.evaluate("window.sameDocument") is True
        # The list of numbers follows without a reload too.
        assert page.locator("#numbers-list a").all_text_contents() == ["+15550100"]
        save_screenshot(page, SCREENSHOTS["tester"], tmp_path)

        page.goto(server + "/messagelog/")
        rows = page.locator("table.data-table tbody tr")
        assert rows.count() == 8
        assert rows.first.locator("td[data-label=Text]").text_content() == "Karibu sana — asante!"
        save_screenshot(page, SCREENSHOTS["log"], tmp_path)

        page.set_viewport_size(NARROW)
        for url in NARROW_PAGES:
            page.goto(server + url)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= NARROW["width"], f"{url} is {width} px wide at 360 px"
        page.goto(server + TESTER)
        send(page, "ping", "pong")
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]

        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(server + "/login/")
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        assert errors == [], f"JavaScript errors: {errors}"
    finally:
        context.close()


# Run by another process; it says when the message and its reply were stored.
FROM_ELSEWHERE = """
import time
from rapidsms.contrib.httptester import storage
storage.store_and_queue("+15550100", "echo from another phone")
print("stored at", repr(time.time()))
"""
#: How soon a message stored by another process must show in an open page (live.js
#: asks every second; the rest is the request, on a machine that may be busy).
LIVE_WITHIN_S = 2.0


def watch_for(page, selector: str, texts: list[str]) -> None:
    """Note in the page (``window.seenAt``) the moment all ``texts`` show in ``selector``.

    Noted by the page itself, so that the time this process spends waiting
    for the other one does not count.
    """
    page.evaluate(
        """([selector, texts]) => {
          const shown = () => {
            const found = Array.from(document.querySelectorAll(selector),
                                     element => element.textContent.trim());
            return texts.every(text => found.includes(text));
          };
          if (shown()) { throw new Error("already shown: " + texts); }
          window.seenAt = null;
          const observer = new MutationObserver(() => {
            if (shown()) { window.seenAt = Date.now(); observer.disconnect(); }
          });
          observer.observe(document.body, { childList: true, subtree: true, characterData: true });
        }""",
        [selector, texts],
    )


def seconds_from_stored_to_seen(page, db_path: Path, script: str) -> float:
    """Run ``script`` in another process; return how long its message took to show."""
    result = manage(db_path, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    stored_at = float(re.search(r"stored at ([0-9.]+)", result.stdout).group(1))
    page.wait_for_function("window.seenAt !== null", timeout=TIMEOUT_MS)
    return page.evaluate("window.seenAt") / 1000 - stored_at


def test_pages_update_live_keep_typed_text_and_share_one_look(
    browser, server: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        live_answers: list[int] = []
        page.on("response", lambda response: live_answers.append(response.status)
                if response.request.headers.get("x-rapidsms-live") == "1" else None)
        log_in(page, server, TESTER)
        page.evaluate("window.sameDocument = true")
        # Typing goes on while a message is on its way: the typed text stays.
        held: list = []
        page.route("**/httptester/+15550100/", lambda route: held.append(route)
                   if route.request.method == "POST" else route.continue_())
        page.get_by_label("Message").fill("echo first")
        page.get_by_role("button", name="Send", exact=True).click()
        while not held:
            page.wait_for_timeout(50)
        assert page.get_by_role("button", name="Send", exact=True).is_disabled()
        # A second submit (Enter, a script) while the first is on its way sends nothing.
        page.evaluate("document.getElementById('send-form').requestSubmit()")
        page.wait_for_timeout(300)
        assert len(held) == 1
        page.get_by_label("Message").fill("the next message")
        held[0].continue_()
        page.wait_for_function("!document.querySelector('#send-form button[type=submit]').disabled")
        assert page.get_by_label("Message").input_value() == "the next message"
        page.unroute("**/httptester/+15550100/")

        # A message from another process, and its reply, appear without a
        # reload within 2 s of being stored, in the tester and in the log.
        db_path = server_db(server)
        watch_for(page, ".conversation .text", ["echo from another phone", "from another phone"])
        delay = seconds_from_stored_to_seen(page, db_path, FROM_ELSEWHERE)
        assert delay <= LIVE_WITHIN_S, (
            f"the tester showed a message from another process {delay:.2f} s after it was "
            f"stored; it must within {LIVE_WITHIN_S} s (rapidsms/js/live.js asks every second)")
        assert page.evaluate("window.sameDocument") is True
        # Between messages the browser's questions got the empty "nothing new".
        page.wait_for_timeout(2500)
        assert 304 in live_answers, live_answers
        assert set(live_answers) <= {200, 304}, live_answers
        assert page.locator(".live-notice").text_content() == ""

        page.goto(server + "/messagelog/")
        page.evaluate("window.sameDocument = true")
        watch_for(page, "#log-live td[data-label=Text]",
                  ["echo from a second phone", "from a second phone"])
        delay = seconds_from_stored_to_seen(
            page, db_path, FROM_ELSEWHERE.replace("another phone", "a second phone"))
        assert delay <= LIVE_WITHIN_S, (
            f"the message log showed a message from another process {delay:.2f} s after it "
            f"was stored; it must within {LIVE_WITHIN_S} s (rapidsms/js/live.js asks every "
            "second)")
        assert page.evaluate("window.sameDocument") is True
        # No log cell breaks a number or a date over two lines at 1280 px.
        for cell in page.locator("td[data-label=Identity], td[data-label=Date]").all()[:10]:
            box = cell.bounding_box()
            assert box and box["height"] < 40, cell.text_content()

        # Every page has the site's header and navigation, the message store's too.
        for url in ["/", TESTER, "/messagelog/", "/messaging/", "/registration/",
                    "/rapidsms/messages/"]:
            page.goto(server + url)
            assert page.locator("header.site-header nav.site-nav").count() == 1, url
        # The demo's made-up traffic, so the charts of the screenshot have bars.
        assert manage(db_path, "demo_traffic", "--days", "30").returncode == 0
        page.goto(server + "/")
        assert page.locator("svg.chart-svg").count() == 2
        assert page.locator("svg.chart-svg rect").count() > 24
        save_screenshot(page, "dashboard.png", tmp_path)
        assert errors == [], f"JavaScript errors: {errors}"
    finally:
        context.close()
