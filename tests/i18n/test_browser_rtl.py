"""The pages in Arabic, in a real browser: right to left, with the scripts' texts in Arabic.

Debian's headless Chromium, driven by Playwright, on the example project
served by ``manage.py runserver`` on loopback (see ``tests/pages/test_browser.py``
for what it needs; without it the test is skipped, or fails under
``RAPIDSMS_REQUIRE_SERVICES=1``). The person logs in, picks العربيّة in the
language switcher, and the message tester is laid out right to left. The
screenshot is written to ``docs/images/`` when missing or when
``RAPIDSMS_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

from pathlib import Path

from tests.pages.test_browser import (  # noqa: F401 (fixtures)
    TESTER,
    TIMEOUT_MS,
    browser,
    log_in,
    save_screenshot,
    server,
)

SCREENSHOT = "message-tester-arabic.png"


def test_arabic_pages_read_right_to_left(browser, server: str, tmp_path: Path) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, server, TESTER)
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"

        page.get_by_label("Language").select_option("ar")
        page.get_by_role("button", name="Change language").click()
        page.wait_for_url(server + TESTER)
        html = page.locator("html")
        assert html.get_attribute("lang") == "ar"
        assert html.get_attribute("dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert page.locator("h1").text_content() == "مختبر الرسائل"

        # The header starts on the right: the brand is right of the navigation.
        brand = page.locator(".brand").bounding_box()
        nav = page.locator(".site-nav").bounding_box()
        assert brand["x"] > nav["x"], (brand, nav)

        # The scripts speak Arabic too: the counter under the message box.
        page.get_by_label("الرسالة").fill("مرحبا")
        counter = page.locator("#text-counter").text_content()
        assert counter.startswith("5 "), counter
        assert "أحرف" in counter and "UCS-2 (يونيكود)" in counter, counter

        page.get_by_role("button", name="إرسال", exact=True).click()
        page.wait_for_function(
            "() => document.querySelectorAll('.conversation li.outgoing').length > 0",
            timeout=TIMEOUT_MS,
        )
        # A reply sits at the start of the line: on the left in Arabic.
        reply = page.locator(".conversation li.outgoing").last.bounding_box()
        incoming = page.locator(".conversation li.incoming").last.bounding_box()
        assert incoming["x"] > reply["x"], (incoming, reply)
        save_screenshot(page, SCREENSHOT, tmp_path)
        assert errors == [], f"JavaScript errors: {errors}"
    finally:
        context.close()
