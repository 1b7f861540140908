"""Keywords per review with KeyBERT, on the already-loaded embedder (never a second model copy).

Speed: the review vectors are the mean of their snippet vectors (already computed), and each distinct candidate
word is embedded once through the cached embedder (a vocabulary-level cache), then KeyBERT ranks with MMR.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .themes import make_vectorizer


def keybert_backend(embed: Callable[[list[str]], np.ndarray]):
    """Adapter so KeyBERT calls NeedLens's embedder (KeyBERT's one-verb backend contract).

    Imported lazily: KeyBERT pulls in sentence-transformers and torch, which pages that only read must not pay for.
    """
    from keybert.backend import BaseEmbedder

    class KeyBERTBackend(BaseEmbedder):
        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return embed(list(documents))

    return KeyBERTBackend()


def review_keywords(docs: list[str], doc_vectors: np.ndarray, lang: str, embed: Callable[[list[str]], np.ndarray],
                    top_n: int = 3, diversity: float = 0.5) -> list[list[tuple[str, float]]]:
    """Top-n diverse keywords for each document (all documents in one language)."""
    if not docs:
        return []
    min_df = 2 if len(docs) >= 50 else 1
    try:
        vocabulary = make_vectorizer(lang, min_df=min_df).fit(docs).get_feature_names_out()
    except ValueError:  # nothing but stop words
        return [[] for _ in docs]
    fixed = make_vectorizer(lang, vocabulary=list(vocabulary))
    word_vectors = embed(list(vocabulary))
    from keybert import KeyBERT

    model = KeyBERT(model=keybert_backend(embed))
    result = model.extract_keywords(docs, vectorizer=fixed, top_n=top_n, use_mmr=True, diversity=diversity,
                                    doc_embeddings=doc_vectors, word_embeddings=word_vectors)
    if docs and result and isinstance(result[0], tuple):  # KeyBERT flattens a single document's result
        result = [result]
    return result
