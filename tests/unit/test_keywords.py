"""Keywords: the batched MMR returns exactly what KeyBERT returns, document by document."""
import numpy as np
import pandas as pd
import pytest

from helpers import ROOT
from core.embed import HashingEmbedder
from core.keywords import batched_mmr, keybert_backend, review_keywords
from core.themes import make_vectorizer


def _keybert(docs, doc_vectors, lang, embed, top_n, diversity):
    from keybert import KeyBERT

    # the candidates the product reads: words, and bigrams of words next to each other
    vocabulary = make_vectorizer(lang, min_df=2 if len(docs) >= 50 else 1, adjacent=True).fit(docs).get_feature_names_out()
    result = KeyBERT(model=keybert_backend(embed)).extract_keywords(
        docs, vectorizer=make_vectorizer(lang, vocabulary=list(vocabulary), adjacent=True), top_n=top_n, use_mmr=True,
        diversity=diversity, doc_embeddings=doc_vectors, word_embeddings=embed(list(vocabulary)))
    return [result] if result and isinstance(result[0], tuple) else result


@pytest.mark.parametrize("lang,top_n,diversity", [("en", 3, 0.5), ("en", 5, 0.8), ("zh", 3, 0.5), ("en", 1, 0.3)])
def test_batched_mmr_equals_keybert_on_demo_reviews(lang, top_n, diversity):
    frame = pd.read_csv(ROOT / "data" / "demo_reviews.csv")
    zh = frame["review_text"].str.contains(r"[\u4e00-\u9fff]")
    docs = frame[zh if lang == "zh" else ~zh]["review_text"].head(400).tolist()
    docs += ["the the and", "fabric"]  # no candidate at all; a single candidate
    embedder = HashingEmbedder(48)
    doc_vectors = embedder.embed(docs)
    ours = review_keywords(docs, doc_vectors, lang, embedder.embed, top_n, diversity)
    theirs = _keybert(docs, doc_vectors, lang, embedder.embed, top_n, diversity)
    assert len(ours) == len(theirs) == len(docs)
    assert [[w for w, _ in k] for k in ours] == [[w for w, _ in k] for k in theirs]  # same keywords, same order
    scores = np.array([s for k in ours for _, s in k]), np.array([s for k in theirs for _, s in k])
    assert np.abs(scores[0] - scores[1]).max() <= 1.01e-4  # float64 vs sklearn's float32 at the 4th decimal


def test_batched_mmr_breaks_ties_like_keybert_and_handles_empty_rows():
    from scipy import sparse

    words = ["a", "b", "c"]
    word_vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # a and b tie for every document
    counts = sparse.csr_matrix(np.array([[1, 1, 1], [0, 0, 0], [0, 1, 1]]))
    result = batched_mmr(counts, np.array([[1.0, 0.2], [1.0, 0.0], [0.3, 1.0]]), word_vectors, words, top_n=2)
    assert [w for w, _ in result[0]] == ["a", "c"]  # first index wins the tie; then diversity prefers c over b
    assert result[1] == []
    assert [w for w, _ in result[2]] == ["c", "b"]


def test_chunked_vocabulary_and_matrix_give_the_same_keywords():
    frame = pd.read_csv(ROOT / "data" / "demo_reviews.csv")
    docs = frame["review_text"].head(300).tolist()
    embedder = HashingEmbedder(48)
    vectors = embedder.embed(docs)
    assert review_keywords(docs, vectors, "en", embedder.embed, chunk=37) == review_keywords(docs, vectors, "en", embedder.embed)


def test_keyword_bigrams_are_words_next_to_each_other():
    from core.themes import adjacent_terms

    # "right out of the box" was the candidate "right box", "tough enough for daily use" "tough daily"
    terms = adjacent_terms("Right out of the box the battery life is tough enough for daily use")
    assert "battery life" in terms and "right box" not in terms and "tough daily" not in terms
    assert {"right", "box", "battery", "life", "tough", "daily"} <= set(terms)
