"""Incremental runs (issue 8.3): adding 10% new reviews to an analysed dataset vs a full run over all of them.

    python bench/incremental.py [--rows 2000]

Same process, same loaded models, cold embedding caches for every text that is new to each workspace:
  full   : a fresh workspace analyses all N reviews;
  append : a second fresh workspace analyses the first 90%, then `Pipeline.append` adds the last 10% (only that
           step is timed: it embeds the new snippets, assigns them to the existing themes, scores, types, keywords
           and commits).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from core import datasets  # noqa: E402
from core.config import Settings  # noqa: E402
from core.embed import embedders_from_settings  # noqa: E402
from core.ingest import REVIEWS  # noqa: E402
from core.pipeline import Pipeline, Source  # noqa: E402
from core.sentiment import load_sentiment_model  # noqa: E402
from core.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    frame = pd.read_csv(datasets.CLOTHING, dtype=str).dropna(subset=["Review Text"]).head(args.rows)
    work = Path(tempfile.mkdtemp())
    full, head, tail = work / "all.csv", work / "first90.csv", work / "last10.csv"
    cut = int(len(frame) * 0.9)
    frame.to_csv(full, index=False)
    frame.iloc[:cut].to_csv(head, index=False)
    frame.iloc[cut:].to_csv(tail, index=False)
    settings = Settings()
    embedders = embedders_from_settings(settings.embed)
    sentiment = load_sentiment_model("bundled", embedders["zh"])
    embedders["en"].embed(["warm-up"])  # model load and first-call costs are not part of either timing

    def pipeline(db: Path) -> Pipeline:
        return Pipeline(settings.with_db(db), Store(db), embedders=embedders, sentiment=sentiment)

    started = time.perf_counter()
    pipeline(work / "full.duckdb").run(Source(full.name, REVIEWS, path=full))
    full_s = time.perf_counter() - started
    inc = pipeline(work / "inc.duckdb")
    inc.run(Source(head.name, REVIEWS, path=head))
    themes_before = inc.store.query_df("SELECT theme_id, label FROM themes ORDER BY theme_id")
    started = time.perf_counter()
    report = inc.append(1, Source(tail.name, REVIEWS, path=tail))
    append_s = time.perf_counter() - started
    themes_after = inc.store.query_df("SELECT theme_id, label FROM themes ORDER BY theme_id")
    unassigned = inc.store.scalar("SELECT avg(CASE WHEN theme_id IS NULL THEN 1.0 ELSE 0 END) FROM snippets "
                                  "WHERE review_id IN (SELECT review_id FROM reviews WHERE row_no >= ?)", [cut])
    print(f"| {len(frame):,} clothing reviews | seconds | share of the full run |\n|---|---|---|")
    print(f"| full run over all reviews | {full_s:.1f} | 1.00 |")
    print(f"| append the last 10% ({len(frame) - cut} reviews) to a run over the first 90% | {append_s:.1f} | "
          f"**{append_s / full_s:.3f}** |")
    print(f"\nthemes kept: {themes_before.equals(themes_after)}; new snippets unassigned: {unassigned:.1%}; "
          f"append stages: {', '.join(f'{k} {v:.1f}s' for k, v in report.stage_seconds.items())}")


if __name__ == "__main__":
    main()
