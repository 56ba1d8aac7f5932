"""The pages in Arabic, in a real browser: right to left, with the scripts' texts in Arabic.

Debian's headless Chromium, driven by Playwright, on the example project
served by ``manage.py runserver`` on loopback (see ``tests/pages/test_browser.py``
for what it needs; without it the test is skipped, or fails under
``RAPIDSMS_REQUIRE_SERVICES=1``). The person logs in, picks العربيّة in the
language switcher, and the message tester is laid out right to left: the
page's boxes, and the pixels of a screenshot of its title. The
screenshot is written to ``docs/images/`` when missing or when
``RAPIDSMS_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import base64
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
#: Decode a PNG in the browser and return where its dark pixels start and end,
#: as fractions of its width (from bytes: no request the page's policy could block).
INK_SPAN = """async (data) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const image = await createImageBitmap(new Blob([bytes], {type: "image/png"}));
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  let first = image.width, last = -1;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i] + pixels[i + 1] + pixels[i + 2] < 200) {
      const x = (i / 4) % image.width;
      first = Math.min(first, x);
      last = Math.max(last, x);
    }
  }
  return [first / image.width, (last + 1) / image.width];
}"""


def heading_ink(page) -> tuple[float, float]:
    """Screenshot the page's heading across the whole width; return where its text is."""
    box = page.locator("h1").bounding_box()
    width = page.viewport_size["width"]
    shot = page.screenshot(clip={"x": 0, "y": box["y"], "width": width, "height": box["height"]})
    return tuple(page.evaluate(INK_SPAN, base64.b64encode(shot).decode()))


def test_arabic_pages_read_right_to_left(browser, server: str, tmp_path: Path) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, server, TESTER)
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"
        start, end = heading_ink(page)
        assert start < 0.1 and end < 0.5, (start, end)  # English: the title on the left

        page.get_by_label("Language").select_option("ar")
        page.get_by_role("button", name="Change language").click()
        page.wait_for_url(server + TESTER)
        html = page.locator("html")
        assert html.get_attribute("lang") == "ar"
        assert html.get_attribute("dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert page.locator("h1").text_content() == "مختبر الرسائل"
        start, end = heading_ink(page)
        assert start > 0.5 and end > 0.9, (start, end)  # Arabic: the title on the right

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
