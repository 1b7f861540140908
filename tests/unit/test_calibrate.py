"""Sentiment against star ratings: agreement, the cross-validated adaptation, applying and undoing it."""
import json

import numpy as np
import pandas as pd
import pytest

from helpers import LexiconSentiment, write_reviews
from core.__main__ import main
from core.calibrate import (calibrate_dataset, fit_adaptation, star_agreement, titles_read, undo_calibration,
                            weak_labels)
from core.pipeline import Pipeline, Source
from core.store import Store


def test_weak_labels_use_the_quarters_of_the_scale():
    five = weak_labels(pd.Series([1, 2, 3, 4, 5, None]))
    assert five.fillna(-1).tolist() == [0.0, 0.0, -1, 1.0, 1.0, -1]
    ten = weak_labels(pd.Series([1, 3, 5, 8, 10]))
    assert ten.tolist()[0] == 0.0 and ten.tolist()[-1] == 1.0 and ten.tolist()[-2] == 1.0 and np.isnan(ten.tolist()[2])


def test_star_agreement_counts_only_clearly_rated_reviews():
    frame = pd.DataFrame({"rating": [5] * 40 + [1] * 40 + [3] * 50,
                          "sentiment_score": [0.8] * 36 + [-0.5] * 4 + [-0.7] * 40 + [0.9] * 50,
                          "sentiment": ["positive"] * 36 + ["negative"] * 44 + ["positive"] * 50})
    figures = star_agreement(frame)
    assert figures["polar_reviews"] == 80
    assert figures["agreement"] == pytest.approx(76 / 80)
    assert figures["balanced_accuracy"] == pytest.approx((36 / 40 + 1) / 2)
    assert star_agreement(frame.head(10))["agreement"] is None  # too few to judge


def _domain_reviews(n=400, seed=0):
    """Stars follow domain words ("runs small", "pilled") that a generic model scores as neutral/positive."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        bad = rng.random() < 0.4
        words = ["runs small", "pilled after a wash", "seams came apart"] if bad else ["true to size", "soft", "flattering"]
        text = f"The dress {words[i % 3]}, ordered in {['blue', 'red', 'black'][i % 3]}"
        generic = rng.normal(0.3, 0.3)  # a generic model that leans positive and knows none of the words
        rows.append({"review_id": str(i), "text": text, "lang": "en", "rating": 1 if bad else 5,
                     "sentiment_score": float(np.clip(generic, -0.99, 0.99))})
    return pd.DataFrame(rows)


def test_adaptation_learns_the_datasets_wording_and_reports_honest_cv_gain():
    adaptation = fit_adaptation(_domain_reviews())
    assert adaptation.before < 0.65 and adaptation.after > 0.95 and adaptation.helps
    scores = adaptation.score(["the dress runs small", "so soft and flattering"], ["en", "en"], np.array([0.5, 0.5]))
    assert scores[0] < 0 < scores[1]


def test_adaptation_is_not_applied_when_the_bundled_score_already_matches_the_stars():
    frame = _domain_reviews()
    frame["sentiment_score"] = np.where(frame.rating == 5, 0.8, -0.8)
    assert not fit_adaptation(frame).helps


@pytest.fixture
def rated_workspace(tmp_path, settings, fake_models):
    # The lexicon model calls "short" and "thin" negative; here the stars also punish "slow" shipping, which it
    # does not know. Adaptation must pick that up from the stars.
    lines = ["Shipping was slow and it took weeks.", "Delivery slow, waited a month.", "Arrived quickly, well made.",
             "Fast delivery, nice fabric.", "Slow courier, never again.", "Quick shipping and a good cut."]
    path = tmp_path / "r.csv"
    rows = [{"review_id": f"{i:04d}", "rating": 1 if "low" in lines[i % 6] else 5,
             "review_text": lines[i % 6] + f" Order {i % 13} colour {['red', 'blue'][i % 2]}."} for i in range(240)]
    pd.DataFrame(rows).to_csv(path, index=False)
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("r.csv", path=path))
    return store


def test_calibrate_applies_then_undo_restores_the_bundled_scores(rated_workspace, settings):
    store = rated_workspace
    before = star_agreement(store.rated_reviews(1))
    bundled = store.query_df("SELECT snippet_id, score FROM sentiment ORDER BY snippet_id")
    result = calibrate_dataset(store, 1)
    assert result["applied"] and result["after"] > result["before"]
    assert result["agreement_now"]["agreement"] > before["agreement"]
    kept = store.query_df("SELECT snippet_id, base_score FROM sentiment ORDER BY snippet_id")
    assert np.allclose(kept.base_score, bundled.score)  # the bundled score is kept beside the adapted one
    # adapting twice starts from the bundled score again, it does not compound
    calibrate_dataset(store, 1)
    assert np.allclose(store.query_df("SELECT base_score FROM sentiment ORDER BY snippet_id").base_score, bundled.score)
    assert store.calibrations(1).applied.tolist() == [True, True]
    undo_calibration(store, 1)
    assert np.allclose(store.query_df("SELECT score FROM sentiment ORDER BY snippet_id").score, bundled.score)
    assert star_agreement(store.rated_reviews(1))["agreement"] == pytest.approx(before["agreement"])


def test_cli_summary_reports_star_agreement_and_calibrate_check_only_changes_nothing(rated_workspace, settings, capsys):
    rated_workspace.close()
    db = str(settings.db_path)
    assert main(["summary", "--db", db, "--json"]) == 0
    agreement = json.loads(capsys.readouterr().out)["star_agreement"]["1"]
    assert agreement["polar_reviews"] == 240 and 0 < agreement["agreement"] < 1
    assert agreement["titles_read"] == 0  # the file has no title column
    assert main(["calibrate", "--db", db, "--check-only"]) == 0
    check = json.loads(capsys.readouterr().out)
    assert check["helps"] and not check["applied"]
    store = Store(db)
    assert store.scalar("SELECT count(*) FROM calibrations") == 0
    store.close()
    assert main(["calibrate", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["applied"]


class WholeReviewLexicon(LexiconSentiment):
    """The fake lexicon plus a whole-review score (as the bundled model's Chinese head and English review model):
    +0.9 for a review that mentions 'fabric' or 'cut', else -0.5, at weight 0.6."""

    def score_documents(self, texts, langs):
        return np.array([0.9 if ("fabric" in t or "cut" in t) else -0.5 for t in texts], dtype=np.float32)

    def document_weights(self, langs):
        return np.full(len(langs), 0.6)


def test_undo_re_rolls_reviews_with_the_whole_review_scores_the_analysis_blended_in(tmp_path, settings, fake_models):
    path = tmp_path / "r.csv"
    lines = ["Shipping was slow and it took weeks.", "Fast delivery, nice fabric.", "Quick shipping and a good cut."]
    pd.DataFrame([{"review_id": f"{i:04d}", "rating": 1 if i % 3 == 0 else 5,
                   "review_text": lines[i % 3] + f" Order {i % 13} in {['red', 'blue'][i % 2]}."} for i in range(120)]
                 ).to_csv(path, index=False)
    store = Store(settings.db_path)
    Pipeline(settings, store, embedders=fake_models["embedders"], sentiment=WholeReviewLexicon()).run(Source("r.csv", path=path))
    analysed = store.query_df("SELECT review_id, sentiment_score, sentiment, document_score, document_weight FROM reviews "
                              "ORDER BY review_id")
    assert analysed.document_score.notna().all() and np.allclose(analysed.document_weight, 0.6)
    assert set(np.round(analysed.document_score.astype(float), 2).tolist()) == {0.9, -0.5}
    calibrate_dataset(store, 1)
    undo_calibration(store, 1)
    after = store.query_df("SELECT review_id, sentiment_score, sentiment FROM reviews ORDER BY review_id")
    assert np.allclose(after.sentiment_score, analysed.sentiment_score, atol=1e-6)  # not the snippet mean alone
    assert (after.sentiment == analysed.sentiment).all()
    store.close()


def test_a_review_title_is_read_and_undo_keeps_it_in_the_roll_up(tmp_path, settings, fake_models):
    path = tmp_path / "t.csv"
    pd.DataFrame([{"review_id": f"{i:04d}", "rating": 5 if i % 2 else 2,
                   "title": ["Five Stars", "terrible and broken"][i % 2] if i % 4 < 2 else "",
                   "review_text": f"Nice fabric and a good cut. Order {i % 13} came in {['red', 'blue'][i % 2]}."}
                  for i in range(120)]).to_csv(path, index=False)
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("t.csv", path=path))
    analysed = store.query_df("SELECT review_id, title, sentiment_score, document_score, document_weight FROM reviews "
                              "ORDER BY review_id")
    titled = analysed.title == "terrible and broken"
    assert titles_read(store, 1) == int(titled.sum()) == 30  # "Five Stars" and no title are not read
    # the complaint in the title pulls its reviews' scores down; a star summary and no title change nothing
    assert analysed.document_score[titled].notna().all() and analysed.document_score[~titled].isna().all()
    assert (analysed.sentiment_score[titled].max() < analysed.sentiment_score[~titled].min())
    calibrate_dataset(store, 1)
    undo_calibration(store, 1)
    after = store.query_df("SELECT sentiment_score FROM reviews ORDER BY review_id")
    assert np.allclose(after.sentiment_score, analysed.sentiment_score, atol=1e-6)
    store.close()
