"""Issue 7.4 in a real browser: a workspace full of script-injection payloads, every page visited in Chromium with
dialog, console and page-error hooks, plus the HTML report export opened in the same browser: 0 executions."""
from __future__ import annotations

import sys

import pytest

from helpers import ROOT
from test_browser import _requirements
from xss_payloads import PAYLOADS, hostile_workspace_file

sys.path.insert(0, str(ROOT / "bench"))
import browser  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.skipif(_requirements() is not None, reason=_requirements() or "")]


@pytest.fixture
def hostile_db(tmp_path, settings, fake_models):
    from core.pipeline import Pipeline, Source
    from core.store import Store

    source = hostile_workspace_file(tmp_path / "hostile.csv")
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("<img src=x onerror=window.__xss=1>.csv", path=source))
    store.close()
    return settings.db_path


def test_no_payload_runs_on_any_page_or_in_the_report(hostile_db, tmp_path):
    from playwright.sync_api import sync_playwright

    from core.__main__ import main

    report = tmp_path / "report.html"
    assert main(["export", "--db", str(hostile_db), "--what", "report", "--out", str(report)]) == 0
    dialogs, errors, visited = [], [], []
    with browser.running_app(hostile_db) as url, sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for name, path in browser.PAGES.items():
            page.goto(f"{url}/{path}")
            browser.wait_until_idle(page)
            page.mouse.wheel(0, 4000)  # lazy content below the fold renders too
            page.wait_for_timeout(500)
            assert page.evaluate("window.__xss === undefined"), f"a payload ran on {name}"
            visited.append(name)
        themes_page = page
        themes_page.goto(f"{url}/themes")
        browser.wait_until_idle(themes_page)
        assert themes_page.get_by_text("runs small", exact=False).count() > 0  # the data is really on screen
        page.goto(report.as_uri())
        page.wait_for_timeout(1500)
        assert page.evaluate("window.__xss === undefined"), "a payload ran in the HTML report"
        assert "<script>window.__xss=1" in page.inner_text("body")  # shown as text
        chromium.close()
    assert visited == list(browser.PAGES)
    assert not dialogs, dialogs
    assert not [e for e in errors if "__xss" in e], errors
    assert len(PAYLOADS) >= 200
