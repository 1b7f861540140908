"""Splitting one theme (core.recluster.split) against re-clustering the whole dataset (core.recluster.preview): the
alternative a PM had for a theme too broad to act on. Same process, same loaded models, vectors from the workspace's
embedding cache for both (nothing is embedded).

    python bench/split.py WORKSPACE.duckdb [--dataset 1] [--theme ID] [--into K]

WORKSPACE is read, never written: it is copied to a temporary file first. Without --theme the dataset's biggest theme
is split. Prints each preview's time (the second of two runs: the first loads the cached vectors' index), the ratio,
the sub-themes, and the time to apply the split (one transaction, then the stored views again).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from core import recluster, views  # noqa: E402
from core.config import Settings  # noqa: E402
from core.pipeline import Pipeline  # noqa: E402
from core.store import Store  # noqa: E402


def timed(function, repeat: int = 2):
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--dataset", type=int, default=1)
    parser.add_argument("--theme", type=int)
    parser.add_argument("--into", type=int)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "split.duckdb"
        shutil.copy(args.workspace, db)
        settings = Settings.from_env().with_db(db)
        store = Store(db)
        pipeline = Pipeline(settings, store)
        table = store.theme_table()
        table = table[table["dataset_id"] == args.dataset]
        theme = args.theme if args.theme is not None else int(table["theme_id"].iloc[0])
        row = table[table["theme_id"] == theme].iloc[0]
        snippets = int(table["snippets"].sum())
        whole, whole_s = timed(lambda: recluster.preview(pipeline, args.dataset))
        split, split_s = timed(lambda: recluster.split(pipeline, args.dataset, theme, args.into))
        print(f"dataset {args.dataset}: {snippets:,} themed snippets in {len(table)} themes; "
              f"'{row['label']}' holds {int(row['snippets']):,} ({row['snippets'] / snippets:.0%})")
        print(f"\n| preview (second run) | seconds | themes proposed |\n|---|---|---|")
        print(f"| re-cluster the whole dataset | {whole_s:.2f} | {len(whole.themes)} |")
        print(f"| split '{row['label']}' | {split_s:.2f} | {len(split.comparison)} |")
        print(f"\nsplit / re-cluster: {split_s / whole_s:.3f}x")
        with pd.option_context("display.width", 200, "display.max_colwidth", 70):
            print(split.comparison.drop(columns=["examples"]).to_string(index=False))
        started = time.perf_counter()
        recluster.apply_split(store, split)
        applied = time.perf_counter() - started
        started = time.perf_counter()
        views.materialize(store)
        stored = time.perf_counter() - started
        print(f"\napply: {applied:.2f} s (one transaction); the stored views again: {stored:.2f} s")
        store.close()


if __name__ == "__main__":
    main()
