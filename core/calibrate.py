"""Check sentiment against the PM's own star ratings, and adapt it to them.

Stars are weak labels: a 4-5 star review (top quarter of the scale) is "positive", a 1-2 star review (bottom quarter)
is "negative", the middle is ignored. ``star_agreement`` says how often NeedLens's review sentiment points the same way.
``fit_adaptation`` learns, from those weak labels, a lexical model of this dataset's own wording ("runs small",
"pilled", "掉色") and a 3-parameter stack ``a * bundled_logit + b * lexical_logit + c``; its benefit is estimated by
cross-validation before anything is changed, and it is applied to every snippet (then rolled up to reviews) only
when it helps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .sentiment import STAR_SUMMARY_PATTERN, labels_from_scores, roll_up

MIN_POLAR = 40  # fewer clearly-rated reviews than this: no verdict, no adaptation
MIN_GAIN = 0.005  # adapt only when cross-validated balanced accuracy rises by at least this much


def weak_labels(ratings: pd.Series) -> pd.Series:
    """1 for the top quarter of the rating scale, 0 for the bottom quarter, NaN otherwise (or no rating)."""
    r = pd.to_numeric(ratings, errors="coerce")
    if r.notna().sum() == 0:
        return pd.Series(np.nan, index=ratings.index)
    lo, hi = (1.0, 5.0) if r.max() <= 5 and r.min() >= 0 else (float(r.min()), float(r.max()))
    span = hi - lo or 1.0
    out = pd.Series(np.nan, index=ratings.index)
    out[r >= lo + 0.75 * span] = 1.0
    out[r <= lo + 0.25 * span] = 0.0
    return out


def _balanced_accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    recalls = [np.mean(predicted[truth == c] == c) for c in (0, 1) if (truth == c).any()]
    return float(np.mean(recalls)) if recalls else float("nan")


def titles_read(store, dataset_id: int) -> int:
    """How many of a dataset's reviews had their title read as one more statement of the review (sentiment.with_titles:
    every title but a marketplace's "Five Stars")."""
    return store.titled_reviews(dataset_id, STAR_SUMMARY_PATTERN)


def star_agreement(reviews: pd.DataFrame) -> dict:
    """reviews: rating, sentiment_score, sentiment -> agreement figures over the clearly rated reviews."""
    labels = weak_labels(reviews["rating"]) if "rating" in reviews else pd.Series(dtype=float)
    polar = reviews.assign(weak=labels).dropna(subset=["weak", "sentiment_score"])
    if len(polar) < MIN_POLAR:
        return {"polar_reviews": int(len(polar)), "agreement": None, "balanced_accuracy": None, "neutral_share": None}
    truth = polar["weak"].to_numpy().astype(int)
    predicted = (polar["sentiment_score"].to_numpy() > 0).astype(int)
    return {
        "polar_reviews": int(len(polar)),
        "agreement": round(float(np.mean(predicted == truth)), 4),
        "balanced_accuracy": round(_balanced_accuracy(truth, predicted), 4),
        "neutral_share": round(float(np.mean(polar["sentiment"] == "neutral")), 4),
    }


def _logit(scores: np.ndarray) -> np.ndarray:
    s = np.clip(np.asarray(scores, dtype=np.float64), -0.999, 0.999)
    return np.log((1 + s) / (1 - s))


def _vectorizer(lang: str):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if lang == "zh":
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=200_000)
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000)


@dataclass
class Adaptation:
    """A fitted per-dataset adaptation; ``before``/``after`` are cross-validated balanced accuracies on the stars."""

    polar_reviews: int
    before: float
    after: float
    weights: dict = field(default_factory=dict)  # lang -> (a, b, c)
    models: dict = field(default_factory=dict)  # lang -> (vectorizer, classifier)

    @property
    def helps(self) -> bool:
        return bool(self.weights) and self.after >= self.before + MIN_GAIN

    def score(self, texts: list[str], langs: list[str], bundled: np.ndarray) -> np.ndarray:
        """Adapted snippet scores in [-1, 1]; languages without enough rated reviews keep the bundled score."""
        out = np.asarray(bundled, dtype=np.float64).copy()
        langs_arr = np.asarray(langs)
        for lang, (a, b, c) in self.weights.items():
            mask = langs_arr == lang
            if not mask.any():
                continue
            vectorizer, classifier = self.models[lang]
            lexical = classifier.decision_function(vectorizer.transform([t for t, m in zip(texts, mask) if m]))
            z = a * _logit(out[mask]) + b * lexical + c
            out[mask] = 2.0 / (1.0 + np.exp(-z)) - 1.0
        return out.astype(np.float32)

    def as_dict(self) -> dict:
        return {"polar_reviews": self.polar_reviews, "before": round(self.before, 4), "after": round(self.after, 4),
                "helps": self.helps, "weights": {k: [round(float(x), 4) for x in v] for k, v in self.weights.items()}}


def fit_adaptation(reviews: pd.DataFrame, folds: int = 5, seed: int = 0) -> Adaptation:
    """reviews: text, lang, rating, sentiment_score (the bundled roll-up) -> an Adaptation with honest CV figures.

    Per language with enough clearly rated reviews: out-of-fold lexical logits (TF-IDF + logistic regression on the
    weak labels), then a 3-parameter stack on [bundled logit, lexical logit] whose out-of-fold predictions give
    ``after``; ``before`` is the bundled score's sign on the same reviews.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    frame = reviews.assign(weak=weak_labels(reviews["rating"])).dropna(subset=["weak", "sentiment_score"])
    frame = frame[frame["text"].astype(str).str.strip() != ""]
    truth_all, before_all, after_all = [], [], []
    adaptation = Adaptation(polar_reviews=int(len(frame)), before=float("nan"), after=float("nan"))
    for lang, group in frame.groupby("lang"):
        truth = group["weak"].to_numpy().astype(int)
        bundled = _logit(group["sentiment_score"].to_numpy())
        before_all.append((bundled > 0).astype(int))
        truth_all.append(truth)
        if len(group) < MIN_POLAR or min(truth.sum(), len(truth) - truth.sum()) < max(5, folds):
            after_all.append((bundled > 0).astype(int))
            continue
        texts = group["text"].astype(str).to_numpy()
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        lexical = np.zeros(len(group))
        for train, test in splitter.split(texts, truth):
            vectorizer = _vectorizer(str(lang))
            classifier = LogisticRegression(max_iter=2000, class_weight="balanced", C=2.0)
            classifier.fit(vectorizer.fit_transform(texts[train]), truth[train])
            lexical[test] = classifier.decision_function(vectorizer.transform(texts[test]))
        features = np.column_stack([bundled, lexical])
        stacked = np.zeros(len(group))
        for train, test in splitter.split(features, truth):
            stack = LogisticRegression(class_weight="balanced").fit(features[train], truth[train])
            stacked[test] = stack.decision_function(features[test])
        after_all.append((stacked > 0).astype(int))
        stack = LogisticRegression(class_weight="balanced").fit(features, truth)
        vectorizer = _vectorizer(str(lang))
        classifier = LogisticRegression(max_iter=2000, class_weight="balanced", C=2.0)
        classifier.fit(vectorizer.fit_transform(texts), truth)
        adaptation.weights[str(lang)] = (float(stack.coef_[0][0]), float(stack.coef_[0][1]), float(stack.intercept_[0]))
        adaptation.models[str(lang)] = (vectorizer, classifier)
    if truth_all:
        truth = np.concatenate(truth_all)
        adaptation.before = _balanced_accuracy(truth, np.concatenate(before_all))
        adaptation.after = _balanced_accuracy(truth, np.concatenate(after_all))
    return adaptation


def apply_adaptation(adaptation: Adaptation, snippets: pd.DataFrame, neutral_band: float,
                     documents: tuple = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """snippets: dataset_id, snippet_id, review_id, text, lang, score -> (snippet sentiment, review sentiment);
    ``documents``: the whole-review scores and weights the analysis blended in (Store.review_documents)."""
    scores = adaptation.score(snippets["text"].astype(str).tolist(), snippets["lang"].tolist(), snippets["score"].to_numpy())
    per_snippet = snippets[["dataset_id", "snippet_id"]].assign(score=scores, label=labels_from_scores(scores, neutral_band))
    per_review = roll_up(snippets[["review_id"]].assign(score=scores), neutral_band, *documents)
    return per_snippet, per_review


def agreement_by_dataset(store) -> dict[int, dict]:
    """Star agreement of every review dataset in the workspace that has ratings."""
    out = {}
    for row in store.datasets().itertuples():
        if row.kind != "reviews":
            continue
        figures = star_agreement(store.rated_reviews(int(row.dataset_id)))
        if figures["agreement"] is not None:
            out[int(row.dataset_id)] = {**figures, "titles_read": titles_read(store, int(row.dataset_id))}
    return out


def calibrate_dataset(store, dataset_id: int, neutral_band: float = 0.35, apply: bool = True) -> dict:
    """Fit the adaptation on a dataset's stars (from the bundled scores) and, when it helps and apply is set,
    replace the dataset's snippet and review sentiment in one transaction. Returns the figures."""
    base = store.base_sentiment(dataset_id)
    if base.empty:
        return {"dataset_id": dataset_id, "applied": False, "reason": "no analysed snippets"}
    reviews = store.rated_reviews(dataset_id)
    documents = store.review_documents(dataset_id)
    base_reviews = roll_up(base[["review_id", "score"]], neutral_band, *documents)
    reviews = reviews.drop(columns=["sentiment", "sentiment_score"]).merge(
        base_reviews.rename(columns={"score": "sentiment_score", "label": "sentiment"}), on="review_id", how="left")
    adaptation = fit_adaptation(reviews)
    result = {"dataset_id": dataset_id, **adaptation.as_dict(), "applied": False}
    if adaptation.polar_reviews < MIN_POLAR:
        return {**result, "reason": f"only {adaptation.polar_reviews} clearly rated reviews (needs {MIN_POLAR})"}
    if not adaptation.helps:
        return {**result, "reason": "adapting would not raise cross-validated agreement with the stars"}
    if apply:
        per_snippet, per_review = apply_adaptation(adaptation, base, neutral_band, documents)
        record = {"polar_reviews": adaptation.polar_reviews, "before": adaptation.before, "after": adaptation.after,
                  "applied": True, "detail": adaptation.as_dict()}
        store.set_sentiment(dataset_id, per_snippet, per_review, record)
        result["applied"] = True
        result["agreement_now"] = star_agreement(store.rated_reviews(dataset_id))
    return result


def undo_calibration(store, dataset_id: int, neutral_band: float = 0.35) -> None:
    """Back to the bundled sentiment (kept in base_score)."""
    base = store.base_sentiment(dataset_id)
    per_snippet = base[["snippet_id", "score"]].assign(label=labels_from_scores(base["score"].to_numpy(), neutral_band))
    per_review = roll_up(base[["review_id", "score"]], neutral_band, *store.review_documents(dataset_id))
    store.set_sentiment(dataset_id, per_snippet, per_review,
                        {"polar_reviews": 0, "before": None, "after": None, "applied": False, "detail": {"undo": True}})
