"""A million reviews on one machine (issue 8.4): time and peak memory at 10k, 100k and 1M reviews (+ as many searches),
then every dashboard page's server time on the largest workspace.

    python bench/scale.py                                   # 10k, 100k, 1M (about an hour on 2 cores)
    python bench/scale.py --sizes 10000 100000 --pages      # a shorter curve
    python bench/scale.py --edits /tmp/needlens_scale/scale_1000000.duckdb   # taxonomy re-apply + re-cluster preview

Data: bench/make_scale_data.py (EN + ZH mixed, planted needs, ~2,400 products). Embedder: the model-free
``hashing-128`` embedder behind the same Embedder protocol (issue 8.4 allows a fast one: the bundled MiniLM needs
hours for 1M texts on 2 cores); the Chinese route keeps its real character-LSA model and sentiment its real heads
(``bundled-fast``: the word head for English, since the English clause classifier is a transformer pass as slow as
MiniLM's).
Each size runs in a fresh process; peak memory is that process's maximum RSS, and "pipeline" memory is the peak minus
the RSS measured after imports and model loading (the "not counting the model" of the issue; since the fifth session
theme labels no longer import KeyBERT, so with this embedder torch is never loaded). Page times: one
AppTest script run per page (server time), first run with every Streamlit cache empty, as on a freshly started server
("cold"), and the median of 3 more ("warm").
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

EMBEDDER = "hashing-128"
# the page-time run's "new filters", each asked for the first time: Chinese reviews (~20%), English reviews (~80%)
FILTERS = {"zh": {"f_langs": ["zh"]}, "en": {"f_langs": ["en"]}}


def _rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(reviews: Path, searches: Path | None, db: Path) -> dict:
    """Run one analysis in this (fresh) process and report its times and memory."""
    os.environ["NEEDLENS_MODEL"] = EMBEDDER
    os.environ["NEEDLENS_SENTIMENT_MODEL"] = "bundled-fast"  # no English transformer pass either (see the docstring)
    os.environ["NEEDLENS_REQUEST_MODEL"] = "rules"  # nor the request classifier's
    from core.config import Settings
    from core.embed import embedders_from_settings
    from core.pipeline import Pipeline, Source
    from core.ingest import REVIEWS, SEARCHES
    from core.store import Store

    settings = Settings.from_env()
    embedders = embedders_from_settings(settings.embed)
    store = Store(db)
    stage_peaks: dict[str, int] = {}
    current = [None]

    stage_rss: dict[str, int] = {}

    def progress(stage, done, total, eta):  # peak RSS by the end of each stage (cumulative maximum), RSS at its end
        if stage != current[0]:
            if current[0]:
                stage_peaks[current[0]] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
                stage_rss[current[0]] = round(_rss_mb())
            current[0] = stage

    pipeline = Pipeline(settings, store, embedders=embedders, progress=progress)
    pipeline.sentiment_model()
    baseline = _rss_mb()
    started = time.perf_counter()
    report = pipeline.run(Source(reviews.name, REVIEWS, path=reviews),
                          Source(searches.name, SEARCHES, path=searches) if searches else None)
    wall = time.perf_counter() - started
    stage_peaks[current[0]] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    from core import views

    started = time.perf_counter()
    views.materialize(store)  # what `python -m core run` and the app's job queue do after committing
    views_s = time.perf_counter() - started
    stage_peaks["views"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    summary = store.summary()
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall_s": round(wall, 1), "views_s": round(views_s, 1), "stages": report.stage_seconds, "baseline_mb": round(baseline),
            "peak_mb": round(peak), "pipeline_mb": round(peak - baseline), "reviews": int(summary["reviews"]),
            "snippets": int(summary.get("snippets", 0)), "themes": int(summary.get("themes", 0)),
            "db_mb": round(db.stat().st_size / 2**20), "peak_mb_by_stage": stage_peaks,
            "rss_mb_at_stage_end": stage_rss}


def page_times(db: Path, repeats: int = 3) -> dict[str, tuple[float, ...]]:
    os.environ["NEEDLENS_DB"] = str(db)
    os.environ["NEEDLENS_MODEL"] = EMBEDDER
    os.environ["NEEDLENS_SENTIMENT_MODEL"] = "bundled-fast"  # no English transformer pass either (see the docstring)
    os.environ["NEEDLENS_REQUEST_MODEL"] = "rules"  # nor the request classifier's
    import streamlit as st

    from page_times import PAGES, run_page

    run_page("data")  # imports and the workspace connection, once
    # every page at its default view, and each other tab of the Latent needs page (only the open tab runs)
    visits = [(name, name, {}) for name in PAGES] + [
        (f"needs/{tab}", "needs", {"needs_tab": tab})
        for tab in ("Need types", "Feature requests", "Rating drivers", "Emerging issues")] + [
        (f"recommend/{tab}", "recommend", {"lab_tab": tab})  # the lab's simulation and models, as its tabs open
        for tab in ("Top 10 for a simulated shopper", "Offline evaluation")]
    out = {}
    for label, name, tab in visits:
        st.cache_data.clear()
        st.cache_resource.clear()  # as a freshly started server: no memo, a new workspace connection
        cold = run_page(name, tab)
        warm = statistics.median(run_page(name, tab) for _ in range(repeats))
        # filters nobody has asked for yet: computed, not stored
        filtered = {lang: run_page(name, {**tab, **state}) for lang, state in FILTERS.items()}
        out[label] = (round(cold, 3), round(warm, 3), *(round(v, 3) for v in filtered.values()))
        print(f"  {label:<24} cold {cold:6.2f} s   warm {warm:6.3f} s   "
              + "   ".join(f"new filter {lang} {v:5.2f} s" for lang, v in filtered.items()), flush=True)
    return out


def edit_times(db: Path) -> dict:
    """A PM's heavy edits on a copy of the workspace, each in this fresh process: re-apply the taxonomy (every snippet
    re-typed from stored vectors), then preview a re-clustering of dataset 1; seconds and peak RSS after each."""
    import shutil

    os.environ["NEEDLENS_MODEL"] = EMBEDDER
    os.environ["NEEDLENS_SENTIMENT_MODEL"] = "bundled-fast"  # no English transformer pass either (see the docstring)
    os.environ["NEEDLENS_REQUEST_MODEL"] = "rules"  # nor the request classifier's
    from core import latent, recluster
    from core.config import Settings
    from core.embed import embedders_from_settings
    from core.pipeline import Pipeline
    from core.store import Store

    copy = db.with_name(db.stem + "_edits.duckdb")
    shutil.copy(db, copy)
    settings = Settings.from_env()
    embedders = embedders_from_settings(settings.embed)
    store = Store(copy)
    out = {"baseline_mb": round(_rss_mb())}
    try:
        started = time.perf_counter()
        latent.reapply_taxonomy(store, settings, None, embedders)
        out["retype_s"] = round(time.perf_counter() - started, 1)
        out["retype_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        started = time.perf_counter()
        proposal = recluster.preview(Pipeline(settings, store, embedders=embedders), 1)
        out["recluster_preview_s"] = round(time.perf_counter() - started, 1)
        out["recluster_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        out["proposed_themes"] = len(proposal.themes)
    finally:
        store.close()
        copy.unlink(missing_ok=True)
    print(json.dumps(out), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "needlens_scale")
    parser.add_argument("--pages", action="store_true", help="page times on the largest workspace (default on for 1M)")
    parser.add_argument("--no-pages", action="store_true", help="skip the page times even at 1M")
    parser.add_argument("--child", nargs=3, metavar=("REVIEWS", "SEARCHES", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--pages-only", type=Path, metavar="DB", help="only the page times of this workspace")
    parser.add_argument("--edits", type=Path, metavar="DB",
                        help="time a taxonomy re-apply and a re-clustering preview on a copy of this workspace")
    args = parser.parse_args()
    if args.child:
        reviews, searches, db = (Path(p) for p in args.child)
        print("RESULT " + json.dumps(child(reviews, searches, db)))
        return
    if args.pages_only:
        page_times(args.pages_only)
        return
    if args.edits:
        edit_times(args.edits)
        return
    from make_scale_data import generate

    rows = []
    for size in args.sizes:
        started = time.perf_counter()
        reviews, searches = generate(size, size, args.data)
        print(f"{size:,} reviews + {size:,} searches generated in {time.perf_counter() - started:.0f} s", flush=True)
        db = args.data / f"scale_{size}.duckdb"
        for leftover in (db, db.with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)
        done = subprocess.run([sys.executable, __file__, "--child", str(reviews), str(searches), str(db)],
                              capture_output=True, text=True)
        line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
        if done.returncode or line is None:
            print(done.stdout[-3000:], done.stderr[-3000:])
            raise SystemExit(f"the {size:,}-review run failed")
        result = json.loads(line[7:])
        rows.append((size, result))
        print(f"  {json.dumps(result)}", flush=True)
    print("\n| reviews (+ searches) | snippets | wall (s) | ingest | embed | themes | sentiment | needs | keywords | "
          "intents | save | + views | peak RSS (MB) | pipeline (MB, peak - models) | workspace (MB) |")
    print("|" + "---|" * 15)
    for size, r in rows:
        s = r["stages"]
        print(f"| {size:,} | {r['snippets']:,} | {r['wall_s']} | " + " | ".join(
            f"{s.get(k, 0):.1f}" for k in ("ingest", "embed", "themes", "sentiment", "needs", "keywords", "intents",
                                           "save")) + f" | {r['views_s']} | {r['peak_mb']:,} | {r['pipeline_mb']:,} | {r['db_mb']:,} |")
    if not args.no_pages and (args.pages or max(args.sizes) >= 1_000_000):
        size = max(args.sizes)
        print(f"\npage server times on the {size:,}-review workspace:")
        page_times(args.data / f"scale_{size}.duckdb")


if __name__ == "__main__":
    main()
