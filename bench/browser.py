"""Real-browser helpers: start the app on a free port and drive it with Playwright + Debian chromium.

    python bench/browser.py --db data/workspace.duckdb --out docs/screenshots   # screenshot every page

Used by tests/app/test_browser.py and to refresh docs/screenshots/.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = {"overview": "", "themes": "themes", "needs": "needs", "products": "products", "search": "search", "recommend": "recommend",
         "report": "report", "data": "data"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(db: Path, port: int | None = None, timeout: float = 90.0):
    """Serve app.py on 127.0.0.1:<free port> against the given workspace; yields the base URL."""
    port = port or free_port()
    env = {**os.environ, "NEEDLENS_DB": str(db)}
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    log = open(Path(db).with_suffix(".app.log"), "w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            if process.poll() is not None:
                raise RuntimeError(f"the app exited early; see {log.name}")
            time.sleep(0.5)
        else:
            raise RuntimeError("the app did not become healthy in time")
        yield url
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        if process.poll() is None:
            process.kill()
        log.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_until_idle(page, timeout_ms: int = 60000) -> None:
    """Wait for Streamlit to finish running the script (the 'running' status widget disappears)."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout_ms)
    page.wait_for_timeout(800)
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        if page.locator("[data-testid='stStatusWidget']").count() == 0:
            break
        page.wait_for_timeout(300)
    page.wait_for_timeout(3500)  # charts and canvas tables draw after the script finishes


def screenshot_pages(url: str, out: Path, width: int = 1400) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": width, "height": 1000})
        for name, path in PAGES.items():
            page.goto(f"{url}/{path}")
            wait_until_idle(page)
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            shots.append(target)
        browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "workspace.duckdb")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    with running_app(args.db) as url:
        for shot in screenshot_pages(url, args.out):
            print(shot)


if __name__ == "__main__":
    main()
