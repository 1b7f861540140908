"""Chunked vector work equals the one-piece computation, for float32 and compact float16 vectors."""
import numpy as np
import pytest

from core.chunks import best_match, map_rows, matmul_rows, normalise_rows
from core.themes import PCAReducer, cluster_means

rng = np.random.default_rng(0)
VECTORS = rng.standard_normal((1003, 24)).astype(np.float32)
VECTORS /= np.linalg.norm(VECTORS, axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_chunked_products_equal_the_whole_product(dtype):
    vectors = VECTORS.astype(dtype)
    whole = vectors.astype(np.float32)
    matrix = rng.standard_normal((24, 5)).astype(np.float32)
    assert np.allclose(matmul_rows(vectors, matrix, chunk=100), whole @ matrix, atol=1e-5)
    best, score = best_match(vectors, matrix.T, chunk=77)
    assert np.array_equal(best, (whole @ matrix).argmax(axis=1))
    assert np.allclose(score, (whole @ matrix).max(axis=1), atol=1e-5)
    doubled = map_rows(lambda x: 2 * x, vectors, 24, chunk=64)
    assert doubled.dtype == np.float32 and np.allclose(doubled, 2 * whole)


def test_rows_normalise_in_place_chunk_by_chunk():
    x = rng.standard_normal((500, 8)).astype(np.float32) * 3
    expected = x / np.linalg.norm(x, axis=1, keepdims=True)
    out = normalise_rows(x, chunk=33)
    assert out is x and np.allclose(x, expected, atol=1e-6)


def test_cluster_means_of_compact_vectors_match_float32_within_half_precision():
    labels = rng.integers(0, 7, len(VECTORS))
    expected = np.stack([VECTORS[labels == c].mean(axis=0) for c in range(7)])
    assert np.allclose(cluster_means(VECTORS, labels, 7), expected, atol=1e-6)
    assert np.allclose(cluster_means(VECTORS.astype(np.float16), labels, 7), expected, atol=2e-3)


def test_pca_on_compact_vectors_gives_the_same_reduced_space():
    full = PCAReducer(6).fit_transform(VECTORS)
    compact = PCAReducer(6).fit_transform(VECTORS.astype(np.float16))
    assert compact.dtype == np.float32
    cosines = np.einsum("ij,ij->i", full, compact)
    assert np.abs(cosines).min() > 0.99  # same components up to half-precision input (sign fixed by PCA's svd_flip)


def test_text_column_reads_positions_lazily_and_review_texts_join_per_review():
    import pandas as pd

    from core.chunks import TextColumn, take_texts
    from core.pipeline import ReviewTexts

    series = pd.Series(["a", "b", "c", "d", "e"], index=[10, 11, 12, 13, 14])
    column = TextColumn(series)
    assert len(column) == 5 and column[0] == "a" and column[1:3] == ["b", "c"]
    assert take_texts(column, [4, 0]) == ["e", "a"] == take_texts(list(series), [4, 0])
    codes = np.array([0, 1, 0, 2, 1])  # snippets of three reviews, interleaved
    joined = ReviewTexts(series, np.arange(5), codes, 3)
    assert len(joined) == 3 and joined[0:3] == ["a c", "b e", "d"] and joined[1:2] == ["b e"]
    assert joined[0:3] == series.groupby(codes).agg(" ".join).tolist()
    subset = ReviewTexts(series, np.array([4, 1, 2]), np.array([0, 1, 0]), 2)  # rows 4 and 2 are review 0
    assert subset[0:2] == ["e c", "b"]


def test_representatives_stop_reading_once_enough_distinct_texts_are_found():
    from core.themes import _first_distinct

    class Counting(list):
        reads = 0

        def take(self, positions):
            Counting.reads += len(positions)
            return [self[i] for i in positions]

    texts = Counting(["x", "x", "y", "z"] + ["w"] * 10_000)
    assert _first_distinct(texts, np.arange(len(texts)), 3, window=4) == ["x", "y", "z"]
    assert Counting.reads == 4


def test_cluster_means_with_many_labels_go_label_chunk_by_label_chunk():
    labels = rng.integers(0, 5000, 20_000)  # more labels than the small-k path takes, some empty
    vectors = rng.standard_normal((20_000, 4)).astype(np.float32)
    expected = np.zeros((5000, 4))
    np.add.at(expected, labels, vectors)
    expected /= np.maximum(np.bincount(labels, minlength=5000), 1)[:, None]
    assert np.allclose(cluster_means(vectors, labels, 5000, np.float32), expected, atol=1e-5)
    compact = cluster_means(vectors.astype(np.float16), labels, 5000, np.float16)
    assert compact.dtype == np.float16 and np.allclose(compact, expected, atol=5e-3)
