"""End to end in a real browser (Debian chromium + Playwright): upload, map, analyse, browse, export.

Skipped, with the reason, when chromium or Playwright is missing (`make test` installs chromium as root).
Screenshots of every page are saved to test-artifacts/browser/.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import ROOT
from core import datasets

sys.path.insert(0, str(ROOT / "bench"))
import browser  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts" / "browser"


def _requirements() -> str | None:
    if not Path(browser.CHROMIUM).exists():
        return f"chromium not found at {browser.CHROMIUM}: run `make test` as root or `apt-get install -y chromium`"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -r requirements-dev.txt"
    return None


pytestmark = [pytest.mark.browser, pytest.mark.skipif(_requirements() is not None, reason=_requirements() or "")]


@pytest.fixture
def upload_file(tmp_path) -> Path:
    """300 demo reviews (English and Chinese) as a CSV a PM would upload."""
    frame = pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype=str).sample(300, random_state=3)
    path = tmp_path / "my_reviews.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def search_file(tmp_path) -> Path:
    """300 rows of the shared Home Depot file: a query and the product each search returned, no clicks."""
    frame = pd.read_csv(datasets.HOME_DEPOT, encoding="latin-1").head(300).drop(columns="relevance")
    path = tmp_path / "my_searches.csv"
    frame.to_csv(path, index=False)
    return path


def test_upload_analyse_browse_and_export_in_chromium(tmp_path, upload_file, search_file):
    from playwright.sync_api import sync_playwright

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    errors: list[str] = []
    with browser.running_app(tmp_path / "ws.duckdb") as url, sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/data")
        browser.wait_until_idle(page)
        page.locator("input[type='file']").first.set_input_files(str(upload_file))
        page.get_by_text("my_reviews.csv: 300 rows").wait_for(timeout=60000)
        page.get_by_text("Text", exact=True).first.wait_for(timeout=30000)  # the mapping form, pre-filled
        browser.wait_until_idle(page)
        page.screenshot(path=str(ARTIFACTS / "data_mapping.png"), full_page=True)
        page.get_by_role("tab", name="Search queries").click()
        page.locator("input[type='file']").nth(1).set_input_files(str(search_file))
        page.get_by_text("my_searches.csv: 300 rows").wait_for(timeout=60000)
        browser.wait_until_idle(page)
        # the product a search returned is not a click
        assert page.get_by_role("combobox", name="Returned product").input_value() == "product_title"
        assert page.get_by_role("combobox", name="Clicked product").input_value() == "(none)"
        page.get_by_role("button", name="Analyze").click()
        # the job's message, not a review that says "nicely finished" in the preview table
        page.get_by_text("Analysis of my_reviews.csv, my_searches.csv finished.").wait_for(timeout=300000)
        page.screenshot(path=str(ARTIFACTS / "data.png"), full_page=True)

        for name, path in browser.PAGES.items():
            if name == "data":
                continue
            page.goto(f"{url}/{path}")
            browser.wait_until_idle(page)
            assert page.get_by_text("No reviews analysed yet").count() == 0, name
            assert page.locator("[data-testid='stException']").count() == 0, name
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            if name == "search":  # served by how well each returned product's title matches its query: a chart
                assert page.get_by_text("served cannot be told").count() == 0
                assert page.locator("[data-testid='stVegaLiteChart']").count() >= 2, "top queries and demand charts"

        page.goto(f"{url}/")
        browser.wait_until_idle(page)
        with page.expect_download(timeout=60000) as download_info:
            page.get_by_role("button", name="⬇ PNG").first.click()
        png = Path(download_info.value.path()).read_bytes()
        chromium.close()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    (ARTIFACTS / "downloaded_chart.png").write_bytes(png)
    assert not errors, errors


def test_first_visits_after_a_restart_are_routed_through_the_app(tmp_path):
    """A bookmark is often the first request a restarted server sees. Streamlit serves a folder named pages/ as a
    legacy page list until st.navigation has run once: the first run served the page file on its own, under a menu of
    raw file names (app, ..., ui), and a second tab opened during that run failed with "cannot import name 'ui'"."""
    from playwright.sync_api import sync_playwright

    titles = ["Overview", "Need themes", "Latent needs", "Product feedback", "Search insights", "Recommendation lab",
              "Report & export", "Data"]
    with browser.running_app(tmp_path / "ws.duckdb") as url, sync_playwright() as p:
        chromium = browser.launch(p)
        first, second = (chromium.new_page(viewport={"width": 1400, "height": 900}) for _ in range(2))
        first.goto(f"{url}/needs")
        first.wait_for_timeout(1500)  # the first run is still importing the engine
        second.goto(f"{url}/themes")
        for page, title in ((first, "Latent needs"), (second, "Need themes")):
            page.get_by_role("heading", name=title).first.wait_for(timeout=60000)
            nav = page.locator("[data-testid='stSidebarNav']")
            page.wait_for_function("() => document.querySelector(\"[data-testid='stSidebarNav']\")"
                                   "?.innerText.includes('Product feedback')", timeout=60000)
            page.wait_for_timeout(1000)
            links = [line.strip() for line in nav.inner_text().splitlines() if line.strip()]
            assert [name for name in links if name in titles] == titles, links
            assert "ui" not in links and "app" not in links, links
            assert page.get_by_text("This app has encountered an error").count() == 0, title
        chromium.close()
