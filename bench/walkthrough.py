"""The new-user walkthrough, in a real browser: upload a review file, accept the suggested mapping, analyse, browse
every page, rename and merge two themes, preview splitting one, export a chart (PNG) and the HTML report, screenshot
every page.

    python bench/walkthrough.py                       # the whole shared clothing file (takes minutes on 2 cores)
    python bench/walkthrough.py --file data/demo_reviews.csv --out /tmp/shots

Screenshots go to --out (default docs/screenshots/); the downloaded chart and report go beside them.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import browser  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLOTHING = ROOT.parent / "shared" / "datasets" / "womens_clothing_reviews" / "womens_clothing_reviews_shared.csv"


def seed_embedding_cache(workspace: Path, source: Path) -> None:
    """Copy only the embedding cache of another workspace (no datasets, no analysis) into a new one."""
    from core.store import Store

    store = Store(workspace)
    with store.cursor() as cur:
        cur.execute(f"ATTACH '{source}' AS seed (READ_ONLY)")
        cur.execute("INSERT INTO embeddings SELECT model, text_hash, vector FROM seed.embeddings")
        cur.execute("DETACH seed")
    store.close()


def walkthrough(file: Path, out: Path, timeout_s: int = 1800, seed_cache: Path | None = None) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp()
    if seed_cache is not None:
        seed_embedding_cache(Path(tmp) / "ws.duckdb", seed_cache)
    with browser.running_app(Path(tmp) / "ws.duckdb") as url, sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(f"{url}/data")
        browser.wait_until_idle(page)
        page.locator("input[type='file']").first.set_input_files(str(file))
        page.get_by_text(f"{file.name}:").first.wait_for(timeout=120000)
        browser.wait_until_idle(page)
        started = time.time()
        page.get_by_role("button", name="Analyze").click()
        page.get_by_text("finished").wait_for(timeout=timeout_s * 1000)
        print(f"analysis finished in {time.time() - started:.0f}s (browser wall time)")
        browser.wait_until_idle(page)
        page.screenshot(path=str(out / "data.png"), full_page=True)

        # Rename and merge: merge the second-largest theme into the largest, and give the result a name.
        page.goto(f"{url}/themes")
        browser.wait_until_idle(page)
        form = page.locator("[data-testid='stForm']")
        merge = form.locator("[data-testid='stSelectbox']").nth(1).locator("input")
        merge.click()
        merge.press("ArrowDown")
        merge.press("Enter")  # the first theme after "(do not merge)": the second-largest
        form.get_by_label("New name (for the merged theme when merging)").fill("Top two themes (merged)")
        page.screenshot(path=str(out / "themes_edit_form.png"), full_page=True)
        form.get_by_role("button", name="Save").click()
        browser.wait_until_idle(page)
        page.get_by_text("Top two themes (merged)").first.wait_for(state="attached", timeout=60000)

        # Split: preview the narrower needs inside the merged theme (now the biggest), then discard it
        page.get_by_role("button", name="Preview the split").click()
        page.get_by_text("Nothing changes until you apply it").first.wait_for(timeout=120000)
        browser.wait_until_idle(page)
        page.get_by_text("Into").first.evaluate("e => e.scrollIntoView({block: 'start'})")  # the table in view
        page.wait_for_timeout(1000)
        page.screenshot(path=str(out / "themes_split.png"))
        page.get_by_role("button", name="Discard the split").click()
        browser.wait_until_idle(page)

        for name, path in browser.PAGES.items():
            page.goto(f"{url}/{path}")
            browser.wait_until_idle(page)
            if name == "recommend":  # show the lab with simulated shoppers and its evaluation (a tab run when opened)
                page.get_by_role("button", name="Simulate shoppers").click()
                browser.wait_until_idle(page)
                page.get_by_role("tab", name="Offline evaluation").click()
                page.locator("[role='tabpanel']:visible [data-testid='stVegaLiteChart']").first.wait_for(timeout=300000)
                browser.wait_until_idle(page)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            if name == "needs":  # its other tabs run when opened: show the grouped feature requests too
                page.get_by_role("tab", name="Feature requests").click()
                page.locator("[role='tabpanel']:visible [data-testid='stVegaLiteChart']").first.wait_for(timeout=120000)
                browser.wait_until_idle(page)
                page.screenshot(path=str(out / "needs_requests.png"), full_page=True)
        page.goto(f"{url}/")
        browser.wait_until_idle(page)
        with page.expect_download(timeout=120000) as chart:
            page.get_by_role("button", name="⬇ PNG").first.click()
        chart.value.save_as(str(out / "exported_chart.png"))
        page.goto(f"{url}/report")
        browser.wait_until_idle(page)
        with page.expect_download(timeout=120000) as report:
            page.get_by_role("button", name="⬇ Download the HTML insight report").click()
        report.value.save_as(str(out / "insight_report.html"))
        chromium.close()
    print(f"screenshots, chart and report in {out}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, default=CLOTHING)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--seed-cache", type=Path, help="copy the embedding cache of this workspace first")
    args = parser.parse_args()
    walkthrough(args.file, args.out, seed_cache=args.seed_cache)


if __name__ == "__main__":
    main()
