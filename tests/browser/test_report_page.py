"""The insights report (var/report/index.html) in Debian's Chromium: one file that loads nothing else,
readable (axe-core), and its picture for docs/insights.md (`make screenshots` writes it there)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_accessibility import axe_violations
from tests.browser.test_widget import browser, screenshots  # noqa: F401 - the module's fixtures
from tests.support.insights import CARD, seed, store
from tests.support.servers import ROOT


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("insights")
    seed(store(dialect="sqlite", db=str(folder / "tracker.db")))
    done = subprocess.run([sys.executable, "-m", "bot.insights", "--tracker-db", str(folder / "tracker.db"),
                           "--since", "2026-11-02", "--out", str(folder / "report")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return folder / "report" / "index.html"


def test_the_report_opens_alone_and_shows_its_figures(report_page: Path, browser: Browser,  # noqa: F811
                                                      screenshots: Path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    requests: list = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report_page.as_uri())
    expect(page.locator("h1")).to_have_text("Amex care assistant: insights")
    expect(page.locator(".card").first).to_contain_text("6")
    expect(page.locator("section svg").first).to_be_visible()
    expect(page.get_by_text("it asked for [****] again")).to_be_visible()
    assert CARD not in page.content()
    assert requests == [report_page.as_uri()]  # nothing but the file itself
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots / "insights-report.png"), full_page=True)
    context.close()
