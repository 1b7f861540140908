"""Dashboard page render times (server time: one full script run per page, measured with AppTest).

    python bench/page_times.py --db /tmp/w.duckdb     # a workspace holding e.g. the whole shared clothing set

For each page: the first run as on a freshly started server (cold: every Streamlit cache empty, a new workspace
connection, imports warm) and the median
of 5 further runs (warm: aggregates cached on the workspace's data version), plus the same page's DuckDB
aggregate time alone as the baseline in the same process.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_COMPONENTS = None
PAGES = ["overview", "themes", "needs", "products", "search", "recommend", "report", "data"]


def run_page(name: str, state: dict | None = None):
    """One script run of a page (``state``: session values to start from, e.g. {"f_langs": ["zh"]}: a filter)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    # A real server scans installed component packages once at start-up; AppTest does it per instance (~0.35 s here),
    # so the instances share one scan and the time below is the script's, as on a running server.
    global _COMPONENTS
    if _COMPONENTS is not None:
        at._bidi_component_manager = _COMPONENTS
    at.switch_page(f"pages/{name}.py")
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{name}: {at.exception[0].value}")
    _COMPONENTS = at._bidi_component_manager
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    os.environ["NEEDLENS_DB"] = str(args.db)
    import streamlit as st

    from core.store import Store

    store = Store(args.db)
    reviews = store.summary()["reviews"]
    store.close()
    run_page("data")  # imports and the workspace connection, once
    print(f"workspace: {args.db} ({reviews:,} reviews)\n")
    print("| page | cold (s) | warm median of 5 (s) |\n|---|---|---|")
    for name in PAGES:
        st.cache_data.clear()
        st.cache_resource.clear()  # as a freshly started server: no memo, a new workspace connection
        cold = run_page(name)
        warm = statistics.median(run_page(name) for _ in range(5))
        print(f"| {name} | {cold:.2f} | {warm:.3f} |", flush=True)


if __name__ == "__main__":
    main()
