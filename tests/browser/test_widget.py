"""The web chat widget in a real headless Chromium (Debian's), against the real servers.

Screenshots go to a temporary folder, or to SCREENSHOT_DIR: `make screenshots` sets it to docs/ to
refresh docs/widget.png and docs/widget-phone.png (the README shows them).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.servers import Settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# No Chromium service may be called home to: this machine has no network but the package registries.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("SCREENSHOT_DIR")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
BOT = ".amexcare-bot:not(.amexcare-typing) .amexcare-bubble"
USER = ".amexcare-user .amexcare-bubble"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def open_widget(page: Page) -> None:
    if not page.locator(".amexcare-panel").is_visible():
        page.locator(".amexcare-launcher").click()
    expect(page.locator(".amexcare-panel")).to_be_visible()


def say(page: Page, text: str) -> None:
    page.locator(".amexcare-input").fill(text)
    page.locator(".amexcare-input").press("Enter")


def test_chat_in_the_widget(servers: Settings, browser: Browser, screenshots: Path):
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    page = context.new_page()
    errors: list = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    outside: list = []
    page.on("request", lambda r: outside.append(r.url) if not re.match(
        rf"(http|ws)://{re.escape(servers.host)}:({servers.web_port}|{servers.rasa_port})/", r.url) else None)
    page.goto(f"{servers.web_url}/")

    # The launcher bubble opens the panel, which greets.
    expect(page.locator(".amexcare-panel")).to_be_hidden()
    open_widget(page)
    expect(page.locator(".amexcare-title")).to_have_text("American Express care")
    expect(page.locator(BOT).first).to_contain_text("Tell me what you need help with")

    # A question: the typing indicator shows until the answer, with the India numbers as tel: links.
    page.evaluate("""() => {
        const typing = document.querySelector('.amexcare-typing');
        new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; })
            .observe(typing, {attributes: true});
    }""")
    say(page, "I lost my card in India")
    expect(page.locator(USER).last).to_have_text("I lost my card in India")
    expect(page.locator('a[href="tel:18004192122"]')).to_have_text("1800-419-2122", timeout=30_000)
    expect(page.locator('a[href="tel:18004193646"]')).to_have_text("1800-419-3646")
    expect(page.locator(".amexcare-typing")).to_be_hidden()
    assert page.evaluate("window.typingSeen") is True

    # Emails become mailto: links.
    say(page, "nobody has fixed my problem, I want to escalate. I'm in Mumbai")
    expect(page.locator('a[href="mailto:Manager-Customerservicesindia@aexp.com"]')).to_be_visible(timeout=30_000)

    # HTML typed by the user, and echoed by no one, stays text.
    attack = '<img src=x onerror="window.xss=1"><script>window.xss=2</script>'
    say(page, attack)
    expect(page.locator(USER).last).to_have_text(attack)
    page.wait_for_timeout(1500)
    assert page.locator(".amexcare-log img, .amexcare-log script").count() == 0
    assert page.evaluate("window.xss") is None

    # "New chat" starts a new conversation (the region said so far is forgotten).
    page.locator(".amexcare-restart").click()
    expect(page.locator(".amexcare-msg:not(.amexcare-typing)")).to_have_count(1)

    # Choices come as quick replies; a click sends the choice.
    say(page, "someone stole my amex")
    replies = page.locator(".amexcare-reply")
    expect(replies).to_have_text(["United States", "India", "Another country"], timeout=30_000)
    replies.first.click()
    expect(page.locator(USER).last).to_have_text("United States")
    expect(page.locator(BOT).last).to_contain_text("What kind of card",
                                                                                  timeout=30_000)
    expect(replies).to_have_text([re.compile("^Personal"), "Corporate", "Small Business", "Centurion"])

    # After a reload the conversation is still there, and goes on where it was (same session).
    page.reload()
    open_widget(page)
    expect(page.locator(USER)).to_have_text(["someone stole my amex", "United States"])
    expect(page.locator(BOT).last).to_contain_text("What kind of card")
    expect(replies).to_have_text([re.compile("^Personal"), "Corporate", "Small Business", "Centurion"])
    say(page, "it's a gold card")
    expect(page.locator('a[href="tel:18005284800"]').first).to_be_visible(timeout=30_000)

    # The README's picture: the India numbers.
    page.locator(".amexcare-restart").click()
    say(page, "I lost my card in India")
    expect(page.locator('a[href="tel:18004193646"]')).to_be_visible(timeout=30_000)
    page.wait_for_timeout(500)
    page.locator('a[href="tel:18004193646"]').evaluate("node => node.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(screenshots / "widget.png"))

    assert errors == []
    assert outside == []  # nothing from a CDN or anywhere else
    context.close()


def test_widget_on_a_phone_sized_screen(servers: Settings, browser: Browser, screenshots: Path):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{servers.web_url}/")
    page.locator(".amexcare-launcher").tap()
    panel = page.locator(".amexcare-panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    assert box["width"] <= 375 and box["height"] <= 667
    say(page, "someone stole my amex")
    replies = page.locator(".amexcare-reply")
    expect(replies).to_have_text(["United States", "India", "Another country"], timeout=30_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / "widget-phone.png"))
    replies.nth(1).tap()
    # The narrowed answer ("For a card from India, call:"): the India line again, as a link.
    narrowed = page.locator(BOT).filter(has_text="For a card from India, call:")
    expect(narrowed.locator('a[href="tel:18004192122"]')).to_be_visible(timeout=30_000)
    # The answer wraps inside the screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".amexcare-input").bounding_box()["width"] > 150
    page.locator(".amexcare-close").tap()
    expect(panel).to_be_hidden()
    context.close()


def test_the_device_keeps_only_masked_text_and_clear_removes_it(servers: Settings, browser: Browser):
    """Issue 20: the widget kept what the user typed, card numbers included, in localStorage."""
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    page = context.new_page()
    page.goto(f"{servers.web_url}/")
    open_widget(page)
    typed = ["my card is 4111.1111.1111.1111 and my password is Sw0rdfish", "otp 482913, cvv 737"]
    for text in typed:
        answers = page.locator(BOT).count()
        say(page, text)
        expect(page.locator(USER).last).to_have_text(text)  # the screen shows what was typed
        expect(page.locator(BOT)).not_to_have_count(answers, timeout=30_000)
    stored = page.evaluate("() => JSON.stringify(Object.assign({}, window.localStorage))")
    for secret in ("4111", "1111", "Sw0rdfish", "482913", "737"):
        assert secret not in stored, secret
    assert "my card is [****] and my password is [***]" in stored
    page.reload()
    open_widget(page)
    expect(page.locator(USER).first).to_have_text("my card is [****] and my password is [***]")

    session = page.evaluate("() => window.localStorage.getItem('amexcare.session')")
    page.locator(".amexcare-clear").click()
    expect(page.locator(".amexcare-msg:not(.amexcare-typing)")).to_have_count(0)
    assert page.evaluate("() => window.localStorage.getItem('amexcare.transcript')") is None
    page.wait_for_timeout(500)  # the new session's id arrives
    assert page.evaluate("() => window.localStorage.getItem('amexcare.session')") != session
    page.reload()
    open_widget(page)
    expect(page.locator(USER)).to_have_count(0)
    context.close()


def test_a_case_note_is_copied_and_downloaded_with_no_card_number(servers: Settings, browser: Browser,
                                                                    tmp_path: Path):
    context = browser.new_context(viewport={"width": 1000, "height": 760}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=servers.web_url)
    page = context.new_page()
    page.goto(f"{servers.web_url}/")
    open_widget(page)
    say(page, "my card 4111 1111 1111 1111 was stolen in Mumbai")
    expect(page.locator(".amexcare-reply").filter(has_text="Case note")).to_be_visible(timeout=30_000)
    page.locator(".amexcare-reply").filter(has_text="Case note").click()
    note = page.locator(BOT).filter(has_text="Representative's name")
    expect(note).to_be_visible(timeout=30_000)
    expect(note.locator(".amexcare-copy")).to_be_visible()

    note.locator(".amexcare-copy").click()
    expect(page.locator(".amexcare-status")).to_have_text("Case note copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Case note: American Express customer care\nNeed: Report a lost or stolen card")
    assert "1800-419-2122 or 1800-419-3646" in copied and "Reference number: ____" in copied
    assert "4111" not in copied

    with page.expect_download() as download:
        note.locator(".amexcare-download").click()
    saved = tmp_path / "note.txt"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "amex-case-note.txt"
    assert saved.read_text(encoding="utf-8") == copied + "\n"
    context.close()
