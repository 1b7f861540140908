"""Aspect polarity: what customers say about one thing ("the burger", "battery life", "尺码"), not about the snippet.

A snippet has one sentiment label, but it can praise one thing while only naming another: "The menu was impressive
with selections ranging from a burger, to steak, to escargot" is praise of the menu and neutral about the burger.
``AspectSentiment`` is the bundled MiniLM fine-tuned on (aspect term, snippet) pairs (bench/train_aspect_model.py),
run by ONNX Runtime like the clause classifier. ``aspect_lens`` finds the snippets of a workspace that mention a
term and labels each towards that term; where the model is missing or the snippet is Chinese (the model is
English), the snippet's own label stands, and the result says which.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .config import MODELS_DIR

ASPECT_DIR = "en_aspect_sentiment"
NAMES = np.array(["negative", "neutral", "positive"])
log = logging.getLogger("needlens.aspects")


def holding_snippet(pieces: list[str], term: str, fallback: str) -> str:
    """The first snippet holding ``term`` (exactly, then ignoring case), else ``fallback`` (the whole text)."""
    lowered = term.lower()
    return next((p for p in pieces if term in p), None) or next((p for p in pieces if lowered in p.lower()), fallback)


class AspectSentiment:
    """(term, snippet) -> P(negative, neutral, positive) towards the term."""

    def __init__(self, folder: str | Path | None = None, workers: int | None = None) -> None:
        from .sentiment import EncoderHead

        self.head = EncoderHead(folder or MODELS_DIR / ASPECT_DIR, max_tokens=96, workers=workers)

    def probabilities(self, terms: list[str], texts: list[str]) -> np.ndarray:
        return self.head.probabilities(list(texts), firsts=list(terms))

    def labels(self, terms: list[str], texts: list[str]) -> np.ndarray:
        if not len(texts):
            return np.array([], dtype=object)
        return NAMES[self.probabilities(terms, texts).argmax(axis=1)]


_MODEL: AspectSentiment | None | str = "unloaded"


def load_aspect_model() -> AspectSentiment | None:
    """The shipped aspect model, or None where it or onnxruntime is missing (tried once per process; the warning
    is logged once)."""
    global _MODEL
    if _MODEL == "unloaded":
        try:
            _MODEL = AspectSentiment()
        except (ImportError, OSError, ValueError, RuntimeError) as exc:
            log.warning("aspect polarity model not loaded (%s); the lens uses snippet labels", exc)
            _MODEL = None
    return _MODEL


def term_pattern(term: str) -> str:
    """An RE2 pattern (DuckDB's regexp_matches) for a mention of ``term``: case-insensitive whole words in English
    ("fit" does not match "outfit" or "fitting"), a plain substring where the term has Chinese characters (no
    spaces between words)."""
    escaped = re.escape(term.strip())
    if re.search(r"[\u4e00-\u9fff]", term):
        return escaped
    return rf"(?i)(?:^|[^\w]){escaped}(?:[^\w]|$)"


@dataclass
class AspectResult:
    term: str
    snippets: pd.DataFrame  # one row per mention: snippet, review, product, date, rating, lang, snippet_sentiment, aspect_sentiment, source
    total: int  # mentions in the filtered reviews (``snippets`` holds at most ``limit`` of them)

    def counts(self) -> pd.DataFrame:
        """aspect_sentiment -> mentions and share of the labelled sample."""
        counts = self.snippets.aspect_sentiment.value_counts().reindex(list(NAMES), fill_value=0)
        share = counts / max(1, int(counts.sum()))
        return pd.DataFrame({"sentiment": counts.index, "mentions": counts.to_numpy(), "share": share.round(3).to_numpy()})

    def chart_frame(self, top: int = 10, min_mentions: int = 1) -> pd.DataFrame:
        """product, sentiment, mentions: an "All products" row, then the ``top`` products mentioning the term most
        (products with fewer than ``min_mentions`` mentions are left out: privacy mode's k)."""
        overall = self.counts()
        rows = [("All products", name, int(n)) for name, n in zip(overall.sentiment, overall.mentions)]
        frame = self.snippets.dropna(subset=["product"])
        counts = frame["product"].value_counts()
        for product in counts[counts >= min_mentions].head(top).index:
            labels = frame.loc[frame["product"] == product, "aspect_sentiment"].value_counts()
            rows += [(product, name, int(labels.get(name, 0))) for name in NAMES]
        return pd.DataFrame(rows, columns=["product", "sentiment", "mentions"])


def aspect_lens(store, term: str, filters=None, limit: int = 1500, model: AspectSentiment | None | str = "auto") -> AspectResult:
    """Every snippet of the filtered reviews mentioning ``term`` (most recent first, at most ``limit``), each
    labelled towards the term: by the aspect model for English snippets, by the snippet's own label otherwise."""
    term = term.strip()
    if not term:
        raise ValueError("type a word or phrase to look up")
    frame, total = store.term_snippets(term, term_pattern(term), filters, limit)
    model = load_aspect_model() if model == "auto" else model
    labels = frame.snippet_sentiment.fillna("neutral").to_numpy(dtype=object)
    source = np.full(len(frame), "snippet label", dtype=object)
    english = (frame.lang != "zh").to_numpy()
    if model is not None and english.any():
        labels[english] = model.labels([term] * int(english.sum()), frame.snippet[english].tolist())
        source[english] = "aspect model"
    return AspectResult(term=term, snippets=frame.assign(aspect_sentiment=labels, source=source), total=total)
