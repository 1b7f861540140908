import numpy as np
import pandas as pd

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
    # A user may configure a 768-d model: the embedding head does not apply, the lexical head still scores.
    from core.sentiment import BundledSentiment

    model = BundledSentiment()
    texts = ["I love it, excellent quality", "Terrible, it broke and I want a refund"]
    scores = model.score(texts, ["en", "en"], np.zeros((2, 768), dtype=np.float32))
    assert scores[0] > 0.2 and scores[1] < -0.2
    assert model.embedding_directions("en", 768) is None
