import numpy as np
import pandas as pd
import pytest

from core.errors import ModelError

from core.sentiment import label_distribution_score, labels_from_scores, roll_up


def test_mixed_review_is_neutral_not_positive():
    snippets = pd.DataFrame({"review_id": ["r", "r", "p"], "score": [0.9, -0.8, 0.7]})
    out = roll_up(snippets).set_index("review_id")
    assert out.loc["r", "label"] == "neutral" and bool(out.loc["r", "mixed"])
    assert out.loc["p", "label"] == "positive" and not out.loc["p", "mixed"]


def test_neutral_band():
    assert labels_from_scores(np.array([0.5, 0.1, -0.2, -0.6]), 0.35).tolist() == [
        "positive", "neutral", "neutral", "negative"]


def test_classifier_label_distributions_map_to_polarity():
    assert label_distribution_score([{"label": "POSITIVE", "score": 0.9}, {"label": "NEGATIVE", "score": 0.1}]) > 0.7
    assert label_distribution_score([{"label": "1 star", "score": 1.0}]) == -1.0
    assert abs(label_distribution_score([{"label": "neutral", "score": 1.0}])) < 1e-9


def test_bundled_sentiment_works_with_a_configured_model_of_another_width():
    # A user may configure a 768-d model: without the clause classifier (bundled-fast) the embedding head does not
    # apply and the lexical head still scores.
    from core.sentiment import BundledSentiment

    model = BundledSentiment(encoder=None)
    texts = ["I love it, excellent quality", "Terrible, it broke and I want a refund"]
    scores = model.score(texts, ["en", "en"], np.zeros((2, 768), dtype=np.float32))
    assert scores[0] > 0.2 and scores[1] < -0.2
    assert model.embedding_directions("en", 768) is None


def test_chinese_theme_space_ignores_the_chinese_sentiment_direction():
    # Need themes cluster Chinese snippets in the bundled LSA space with the character head's direction removed, so
    # "好评" and "差评" about the same thing are not split by sentiment; any other Chinese model gets no direction.
    from core.config import MODELS_DIR
    from core.embed import CharLsaEmbedder
    from core.sentiment import BundledSentiment

    lsa = CharLsaEmbedder(MODELS_DIR / "zh_char_lsa.npz")
    model = BundledSentiment(zh_embedder=lsa)
    direction = model.embedding_directions("zh", lsa.dim)
    assert direction.shape == (1, lsa.dim) and abs(np.linalg.norm(direction) - 1) < 1e-5
    praise, complaint = lsa.embed(["质量很好，非常满意，好评", "质量太差了，非常失望，差评"])
    # the direction separates praise from complaint: they sit on opposite sides of it
    assert float(praise @ direction[0]) * float(complaint @ direction[0]) < 0
    assert BundledSentiment(zh_embedder=None).embedding_directions("zh", lsa.dim) is None
    assert model.embedding_directions("zh", lsa.dim + 1) is None


def test_english_clause_classifier_reads_clauses_without_vectors():
    # The shipped fine-tuned MiniLM (int8 ONNX) scores English clauses on its own: praise, a complaint, a lukewarm
    # verdict, and praise conceded before a "but" (which opens many 1-star reviews) land where a PM would put them.
    from core.sentiment import BundledSentiment, load_sentiment_model

    model = BundledSentiment()
    assert model.encoder is not None and 0 <= model.lexical_weight <= 1
    texts = ["Love the colour, the fabric is so soft", "It fell apart after one wash, very disappointed",
             "The food was ok", "The dress is gorgeous", "but it runs small"]
    labels = model.labels(texts, ["en"] * len(texts))
    assert labels.tolist() == ["positive", "negative", "neutral", "positive", "negative"]
    p = model.encoder.probabilities(texts)
    assert p.shape == (5, 3) and np.allclose(p.sum(axis=1), 1, atol=1e-5) and p[2].argmax() == 1
    from tokenizers import Tokenizer

    from core.config import MODELS_DIR

    # the shipped tokenizer pads nothing (padded inputs with an all-ones mask scored a clause as another one)
    for folder in ("en_clause_sentiment", "en_request"):  # the request classifier is exported the same way
        assert Tokenizer.from_file(str(MODELS_DIR / folder / "tokenizer.json")).padding is None
    # the same text scores the same alone or in a batch of other lengths (padding does not leak)
    assert abs(model.score(texts[:1], ["en"], None)[0] - model.score(texts, ["en"] * 5, None)[0]) < 1e-4
    fast = load_sentiment_model("bundled-fast")
    assert fast.encoder is None
    with pytest.raises(ModelError):
        fast.score(texts, ["en"] * 5, None)  # the heads need the vectors


def test_missing_clause_classifier_falls_back_to_the_heads(tmp_path, caplog):
    import shutil

    from core.config import MODELS_DIR
    from core.sentiment import BundledSentiment

    for name in ("en_sentiment.npz", "en_lexical.npz", "zh_sentiment.npz"):
        shutil.copy(MODELS_DIR / name, tmp_path / name)
    model = BundledSentiment(models_dir=tmp_path)
    assert model.encoder is None and "clause sentiment model not loaded" in caplog.text
    scores = model.score(["I love it, excellent quality"], ["en"], np.zeros((1, 384), dtype=np.float32))
    assert scores[0] > 0.2
