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
