"""Test helpers: synthetic review files and a fake (model-free) sentiment model."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


SHARED = ROOT.parent / "shared" / "datasets"


class LexiconSentiment:
    """A fake SentimentModel for fast tests: counts a few polar words."""

    name = "lexicon"
    POSITIVE = ("love", "great", "perfect", "soft", "好", "喜欢", "不错")
    NEGATIVE = ("small", "broke", "damaged", "short", "thin", "差", "慢", "坏")

    def score(self, texts, langs, vectors):
        out = []
        for text in texts:
            lowered = text.lower()
            p = sum(w in lowered for w in self.POSITIVE)
            n = sum(w in lowered for w in self.NEGATIVE)
            out.append(0.0 if p == n else (0.9 if p > n else -0.9))
        return np.array(out, dtype=np.float32)


EN_LINES = [
    "Love the colour but it runs small.", "The fabric is thin and pilled after one wash.",
    "Battery life is too short, it dies by noon.", "Arrived damaged, the box was crushed.",
    "Perfect fit and really soft fabric.", "Great value for the price.", "Sizing runs small, order a size up.",
    "The battery lasts all week, great.", "Shipping was slow and the package was damaged.",
    "Soft, comfortable and true to size.",
]
ZH_LINES = ["质量很好，就是物流太慢了。", "尺码偏小，建议买大一码。", "性价比很高，物超所值。", "电池不耐用，续航太短。",
            "包装破损，东西压坏了。", "穿着很舒服，面料柔软。"]


def write_reviews(path: Path, n: int = 120, zh: bool = True, extra_rows: str = "") -> Path:
    """A small review CSV with EN (and ZH) rows, ratings, products, dates; ids with leading zeros."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review_id", "product_id", "category", "rating", "date", "review_text"])
        for i in range(n):
            lines = ZH_LINES if zh and i % 4 == 3 else EN_LINES
            text = lines[i % len(lines)] + " " + lines[(i * 7 + 3) % len(lines)]
            rating = 2 if any(w in text for w in ("small", "damaged", "short", "差", "坏")) else 5
            writer.writerow([f"{i:05d}", f"00{i % 7}", ["Dresses", "Tops"][i % 2], rating, f"2026-0{1 + i % 9}-1{i % 9}", text])
    if extra_rows:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(extra_rows)
    return path


def analyse_demo(store, searches: bool = True) -> None:
    """Analyse the bundled demo reviews (and searches) into ``store`` with the fast fake models."""
    from core.config import Settings
    from core.embed import HashingEmbedder
    from core.ingest import REVIEWS, SEARCHES
    from core.pipeline import Pipeline, Source

    embedder = HashingEmbedder(64)
    Pipeline(Settings().with_db(store.path), store, embedders={"en": embedder, "zh": embedder},
             sentiment=LexiconSentiment()).run(
        Source("demo_reviews.csv", REVIEWS, path=ROOT / "data" / "demo_reviews.csv"),
        *([Source("demo_searches.csv", SEARCHES, path=ROOT / "data" / "demo_searches.csv")] if searches else []))


def open_in_app(source: Path, path: Path, monkeypatch) -> Path:
    """Copy a workspace to ``path`` and point the app at it, with Streamlit's caches cleared so the app opens it."""
    import shutil

    import streamlit as st

    shutil.copy(source, path)
    monkeypatch.setenv("NEEDLENS_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    return path
