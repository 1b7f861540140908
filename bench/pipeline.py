"""Pipeline benchmark: per-stage seconds on N shared clothing reviews, snippets/s, and the ratio against a plain
``SentenceTransformer.encode`` of the same snippet texts in the same process.

    python bench/pipeline.py                 # 2,000 and 10,000 reviews
    python bench/pipeline.py --sizes 2000    # one size

For each size: a cold run (empty workspace), the plain-encode baseline, and a warm re-run of the same file
(embedding cache hit: its embed stage should be a small fraction of the cold one).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from core import datasets  # noqa: E402
from core.config import BUNDLED_MODEL, Settings  # noqa: E402
from core.embed import load_embedder  # noqa: E402
from core.pipeline import Pipeline, Source  # noqa: E402
from core.store import Store  # noqa: E402


def sample_file(n: int, folder: Path) -> Path:
    frame = pd.read_csv(datasets.CLOTHING, dtype=str, keep_default_na=False).head(n)
    path = folder / f"clothing_{n}.csv"
    frame.to_csv(path, index=False)
    return path


def plain_encode_seconds(texts: list[str]) -> float:
    model = load_embedder(BUNDLED_MODEL).model  # the same loaded model, used the plain way
    start = time.perf_counter()
    model.encode(texts, batch_size=32, show_progress_bar=False)
    return time.perf_counter() - start


def bench_size(n: int, folder: Path) -> dict:
    path = sample_file(n, folder)
    settings = Settings().with_db(folder / f"ws_{n}.duckdb")
    store = Store(settings.db_path)
    pipeline = Pipeline(settings, store)
    start = time.perf_counter()
    cold = pipeline.run(Source(path.name, path=path))
    cold_total = time.perf_counter() - start
    snippets = store.query_df("SELECT text FROM snippets")["text"].tolist()
    baseline = plain_encode_seconds(snippets)
    start = time.perf_counter()
    warm = pipeline.run(Source(path.name, path=path))
    warm_total = time.perf_counter() - start
    store.close()
    return {"reviews": n, "snippets": len(snippets), "cold": cold.stage_seconds, "cold_total": cold_total,
            "warm": warm.stage_seconds, "warm_total": warm_total, "plain_encode": baseline}


def report(result: dict) -> str:
    cold, warm = result["cold"], result["warm"]
    lines = [f"## {result['reviews']:,} clothing reviews -> {result['snippets']:,} snippets",
             "| stage | cold run (s) | warm re-run (s) |", "|---|---|---|"]
    lines += [f"| {stage} | {cold[stage]:.2f} | {warm.get(stage, 0):.2f} |" for stage in cold]
    lines.append(f"| **total (wall)** | {result['cold_total']:.1f} | {result['warm_total']:.1f} |")
    n = result["snippets"]
    lines += ["",
              f"- pipeline end to end: {n / result['cold_total']:.0f} snippets/s (cold)",
              f"- embed stage: {n / cold['embed']:.0f} snippets/s; plain `SentenceTransformer.encode` of the same "
              f"texts: {n / result['plain_encode']:.0f} snippets/s -> ratio embed/plain = "
              f"{result['plain_encode'] / cold['embed']:.2f}x speed",
              f"- whole pipeline vs plain encode alone: {result['cold_total'] / result['plain_encode']:.2f}x the time",
              f"- warm re-run embed stage = {warm['embed'] / cold['embed']:.1%} of the cold one (embedding cache)"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            print(report(bench_size(n, Path(tmp))), flush=True)
            print()


if __name__ == "__main__":
    main()
