"""Keywords per review: KeyBERT's method (candidate words and bigrams, maximal marginal relevance against the
document vector) on the already-loaded embedder (never a second model copy).

Speed: the review vectors are the mean of their snippet vectors (already computed), each distinct candidate word is
embedded once through the cached embedder (a vocabulary-level cache), and MMR runs for all reviews at once
(``batched_mmr``), which returns exactly what ``KeyBERT.extract_keywords(use_mmr=True)`` returns (tested) without its
per-document Python loop: ~1 ms per review there, i.e. 16 minutes per million reviews on this machine.
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
                    top_n: int = 3, diversity: float = 0.5, chunk: int = 100_000) -> list[list[tuple[str, float]]]:
    """Top-n diverse keywords for each document (all documents in one language), as (word, score) lists."""
    terms, scores, vocabulary = review_keyword_arrays(docs, doc_vectors, lang, embed, top_n, diversity, chunk)
    return _as_lists(terms, scores, vocabulary)


def review_keyword_arrays(docs: list[str], doc_vectors: np.ndarray, lang: str,
                          embed: Callable[[list[str]], np.ndarray], top_n: int = 3, diversity: float = 0.5,
                          chunk: int = 100_000) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The same keywords as arrays: (term index per document and rank, -1 where a document has fewer; the rounded
    score; the vocabulary the indices point into). A million reviews' keywords are two small arrays, not three
    million Python tuples.

    Candidates are the words and the bigrams of words next to each other (themes.adjacent_terms) found in at least two
    documents (any when there are fewer than 50). The vocabulary's document frequencies are counted ``chunk``
    documents at a time and the document-term matrix is built per chunk, so a million reviews never hold one
    million-row matrix; the result is the same as in one piece."""
    terms = np.full((len(docs), top_n), -1, dtype=np.int32)
    scores = np.zeros((len(docs), top_n), dtype=np.float32)
    if not docs:
        return terms, scores, []
    min_df = 2 if len(docs) >= 50 else 1
    frequency: dict[str, int] = {}
    for start in range(0, len(docs), chunk):
        counter = make_vectorizer(lang, adjacent=True)
        try:
            present = counter.fit_transform(docs[start:start + chunk])
        except ValueError:  # nothing but stop words in this chunk
            continue
        per_term = np.asarray((present > 0).sum(axis=0)).ravel()
        for term, count in zip(counter.get_feature_names_out(), per_term):
            frequency[term] = frequency.get(term, 0) + int(count)
    vocabulary = sorted(t for t, f in frequency.items() if f >= min_df)
    del frequency
    if not vocabulary:
        return terms, scores, vocabulary
    fixed = make_vectorizer(lang, vocabulary=vocabulary, adjacent=True)
    word_vectors = embed(vocabulary)
    for start in range(0, len(docs), chunk):
        counts = fixed.transform(docs[start:start + chunk])
        block = slice(start, start + counts.shape[0])
        terms[block], scores[block] = batched_mmr_arrays(counts, doc_vectors[block], word_vectors, top_n, diversity)
    return terms, scores, vocabulary


def _as_lists(terms: np.ndarray, scores: np.ndarray, words: list[str]) -> list[list[tuple[str, float]]]:
    return [[(words[t], round(float(v), 4)) for t, v in zip(row_terms, row_scores) if t >= 0]
            for row_terms, row_scores in zip(terms, scores.astype(np.float64))]


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def batched_mmr(counts, doc_vectors: np.ndarray, word_vectors: np.ndarray, words: list[str], top_n: int = 3,
                diversity: float = 0.5, chunk: int = 2000) -> list[list[tuple[str, float]]]:
    """KeyBERT's MMR for every row of a document-term matrix at once, as (word, score) lists per document."""
    terms, scores = batched_mmr_arrays(counts, doc_vectors, word_vectors, top_n, diversity, chunk)
    return _as_lists(terms, scores, words)


def batched_mmr_arrays(counts, doc_vectors: np.ndarray, word_vectors: np.ndarray, top_n: int = 3,
                       diversity: float = 0.5, chunk: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """KeyBERT's MMR for every row of a document-term matrix at once: (column index per row and rank, -1 padded;
    rounded score).

    Per document: the candidate most similar to the document first, then repeatedly the candidate maximising
    (1 - diversity) x sim(doc) - diversity x max sim(already chosen); scores are the document similarities rounded
    to 4 decimals, sorted descending (stable) — as keybert._mmr.mmr does, including its first-index tie-breaking."""
    from scipy import sparse

    counts = sparse.csr_matrix(counts)
    counts.sort_indices()
    words_unit = _unit(word_vectors)
    terms = np.full((counts.shape[0], top_n), -1, dtype=np.int32)
    scores = np.zeros((counts.shape[0], top_n), dtype=np.float32)
    for start in range(0, counts.shape[0], chunk):
        block = counts[start:start + chunk]
        docs = _unit(doc_vectors[start:start + chunk])
        indptr, cols = block.indptr, block.indices
        rows = np.repeat(np.arange(block.shape[0]), np.diff(indptr))
        doc_sim = np.einsum("ij,ij->i", words_unit[cols], docs[rows])  # one value per (doc, candidate)
        chosen = np.full((block.shape[0], top_n), -1)
        taken = np.zeros(len(cols), dtype=bool)
        closest = np.full(len(cols), -np.inf)  # max similarity to the keywords chosen so far
        for step in range(top_n):
            score = doc_sim if step == 0 else (1 - diversity) * doc_sim - diversity * closest
            score = np.where(taken, -np.inf, score)
            best = _segment_argmax(score, indptr)
            ok = best >= 0
            chosen[ok, step] = best[ok]
            taken[best[ok]] = True
            if step + 1 < top_n:
                picked = np.repeat(np.where(ok, cols[np.maximum(best, 0)], -1), np.diff(indptr))
                has = picked >= 0
                sim = np.full(len(cols), -np.inf)
                sim[has] = np.einsum("ij,ij->i", words_unit[cols[has]], words_unit[picked[has]])
                closest = np.maximum(closest, sim)
        valid = chosen >= 0
        rounded = np.where(valid, np.round(doc_sim[np.maximum(chosen, 0)], 4), -np.inf)
        order = np.argsort(-rounded, axis=1, kind="stable")  # by score, picks with equal scores in MMR order
        chosen, rounded, valid = (np.take_along_axis(a, order, axis=1) for a in (chosen, rounded, valid))
        block_rows = slice(start, start + block.shape[0])
        terms[block_rows] = np.where(valid, cols[np.maximum(chosen, 0)], -1)
        scores[block_rows] = np.where(valid, rounded, 0)
    return terms, scores


def _segment_argmax(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per CSR row: the position (into values) of its first maximum that is not -inf; -1 for rows with none."""
    n_rows = len(indptr) - 1
    lengths = np.diff(indptr)
    nonempty = np.flatnonzero(lengths > 0)
    if len(values) == 0 or len(nonempty) == 0:
        return np.full(n_rows, -1)
    maxima = np.maximum.reduceat(values, indptr[nonempty])
    row_of = np.repeat(np.arange(n_rows), lengths)
    row_max = np.full(n_rows, -np.inf)
    row_max[nonempty] = maxima
    is_max = (values == row_max[row_of]) & np.isfinite(values)
    positions = np.flatnonzero(is_max)
    first = np.full(n_rows, -1)
    # the first maximum per row: positions are ascending, so keep the first seen for each row
    rows_hit, first_index = np.unique(row_of[positions], return_index=True)
    first[rows_hit] = positions[first_index]
    return first
