"""Row-chunked array work: what every stage does to all snippet vectors, a slice at a time.

A million reviews are ~3 million snippet vectors; a stage that multiplies, normalises or converts them all at once
makes full-size temporaries (a 3M x 384 float32 copy is 4.6 GB). These helpers bound the temporaries to one chunk and
accept compact (float16) vectors, computing in float32.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

CHUNK = 100_000


def row_slices(n: int, chunk: int = CHUNK) -> Iterator[slice]:
    for start in range(0, n, chunk):
        yield slice(start, min(start + chunk, n))


def as_float32(block: np.ndarray) -> np.ndarray:
    return block if block.dtype == np.float32 else block.astype(np.float32)


def matmul_rows(vectors: np.ndarray, matrix: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
    """vectors @ matrix in float32, a chunk of rows at a time (no float32 copy of compact vectors)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    out = np.empty((len(vectors),) + matrix.shape[1:], dtype=np.float32)
    for rows in row_slices(len(vectors), chunk):
        out[rows] = as_float32(vectors[rows]) @ matrix
    return out


def best_match(vectors: np.ndarray, prototypes: np.ndarray, chunk: int = CHUNK) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the index of the most similar prototype row and that similarity (dot product)."""
    prototypes = np.asarray(prototypes, dtype=np.float32)
    best = np.empty(len(vectors), dtype=np.int64)
    score = np.empty(len(vectors), dtype=np.float32)
    for rows in row_slices(len(vectors), chunk):
        similarity = as_float32(vectors[rows]) @ prototypes.T
        best[rows] = similarity.argmax(axis=1)
        score[rows] = similarity[np.arange(len(similarity)), best[rows]]
    return best, score


def map_rows(fn: Callable[[np.ndarray], np.ndarray], vectors: np.ndarray, width: int, dtype=np.float32,
             chunk: int = CHUNK) -> np.ndarray:
    """fn applied to float32 row chunks, written into one preallocated (n, width) array."""
    out = np.empty((len(vectors), width), dtype=dtype)
    for rows in row_slices(len(vectors), chunk):
        out[rows] = fn(as_float32(vectors[rows]))
    return out


def normalise_rows(x: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
    """L2-normalise rows in place (float arrays), a chunk at a time; returns x."""
    for rows in row_slices(len(x), chunk):
        block = x[rows]
        block /= np.maximum(np.linalg.norm(block.astype(np.float32, copy=False), axis=1, keepdims=True), 1e-12).astype(x.dtype)
    return x


class TextColumn:
    """A positional, read-only view of a pandas string column: texts become Python strings only when read.

    Three million snippets as a Python list are ~0.3 GB of string objects; the stages that read only some of them
    (c-TF-IDF's sample, a theme's representatives) or a chunk at a time take this instead of a list."""

    def __init__(self, series) -> None:
        self._series = series.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self._series)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self._series.iloc[key].tolist()
        return self._series.iloc[int(key)]

    def take(self, positions) -> list[str]:
        return self._series.iloc[np.asarray(positions, dtype=np.int64)].tolist()


def take_texts(texts, positions) -> list[str]:
    """texts[i] for each position, from a list, a pandas Series (by position) or a TextColumn."""
    if hasattr(texts, "iloc"):
        return texts.iloc[np.asarray(positions, dtype=np.int64)].tolist()
    if hasattr(texts, "take"):
        return texts.take(positions)
    return [texts[i] for i in positions]


def release_memory() -> None:
    """Hand freed memory back to the OS: Arrow's allocator (pandas' string columns) and glibc's heap both keep freed
    pages for reuse otherwise, and the next stage starts higher."""
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except ImportError:
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        pass


def route_positions(snippets) -> list[tuple[str, np.ndarray]]:
    """(route, row positions) per language route, in route order. Stages take the columns they need at these
    positions: iterating ``groupby("route")`` would sort a copy of the whole frame, and the last group (a slice of
    that copy) would keep all of it alive — 0.8 GB of snippets at a million reviews."""
    route = snippets["route"].to_numpy()
    return [(r, np.flatnonzero(route == r)) for r in sorted(set(route.tolist()))]
