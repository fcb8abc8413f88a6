"""The web chat widget, with its "Was this helpful?" buttons, used with the keyboard only and checked by
axe-core (npm's package, injected from node_modules: nothing from a CDN) in Debian's Chromium."""

from __future__ import annotations

import re
from typing import Any, Dict, List

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_widget import BOT, USER, browser  # noqa: F401 - the module's Chromium fixture
from tests.support.servers import ROOT, Settings

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> List[Dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup` installs axe-core (package.json devDependencies)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, not a <script>: the page's Content-Security-Policy stays as it is.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    results = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in results["violations"] if v["impact"] in BLOCKING]


def tab_to(page: Page, selector: str, limit: int = 25) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus with Tab")


def focus_ring(page: Page) -> str:
    """The focused element's outline, as drawn (a visible focus indicator)."""
    return page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                         "return s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.boxShadow; }")


def test_keyboard_only_with_feedback_and_no_serious_axe_violation(servers: Settings, browser: Browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    page = context.new_page()
    errors: list = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{servers.web_url}/")
    expect(page.locator(".amexcare-launcher")).to_be_visible()
    assert axe_violations(page) == []  # closed

    # Open with the keyboard: the focus goes to the message field.
    tab_to(page, ".amexcare-launcher")
    assert focus_ring(page).startswith("solid 3px")
    page.keyboard.press("Enter")
    expect(page.locator(".amexcare-panel")).to_be_visible()
    assert page.evaluate("document.activeElement.classList.contains('amexcare-input')")

    # Messages arrive in an ARIA live region.
    log = page.locator(".amexcare-log")
    assert (log.get_attribute("role"), log.get_attribute("aria-live")) == ("log", "polite")
    page.keyboard.type("I lost my card in India")
    page.keyboard.press("Enter")
    replies = page.locator(".amexcare-reply")
    expect(replies).to_have_text(["What to have ready", "Other ways", "Case note"], timeout=30_000)
    page.keyboard.type("thanks")
    page.keyboard.press("Enter")
    expect(replies).to_have_text(["Yes", "No"], timeout=30_000)
    expect(page.locator(".amexcare-log " + BOT).last).to_have_text("You're welcome! Was this helpful?")
    expect(page.locator(".amexcare-replies")).to_have_attribute("aria-label", re.compile("choices", re.I))
    assert axe_violations(page) == []  # open, with an answer and its buttons

    # Pick "No" with Tab and Enter; the optional question, then what was missing; then Escape closes.
    tab_to(page, ".amexcare-reply:nth-child(2)")
    assert focus_ring(page).startswith("solid 3px")
    page.keyboard.press("Enter")
    expect(page.locator(USER).last).to_have_text("No")
    expect(page.locator(BOT).last).to_contain_text("what was missing", timeout=30_000)
    expect(replies).to_have_count(0)
    tab_to(page, ".amexcare-input")
    page.keyboard.type("too much text")
    page.keyboard.press("Enter")
    expect(page.locator(BOT).last).to_contain_text("passed that on", timeout=30_000)
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(page.locator(".amexcare-panel")).to_be_hidden()
    assert page.evaluate("document.activeElement.classList.contains('amexcare-launcher')")
    assert errors == []
    context.close()
