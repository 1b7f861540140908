"""A three-class clause head for aspect polarity (issue 4's SemEval target), tried and not adopted: the figures.

    python bench/aspect_experiment.py      # ~3 min on 2 cores (the MiniLM vectors are cached in /tmp)

The bundled English sentiment is binary (positive vs negative logit; "neutral" = |score| < 0.35), and on SemEval-2014
aspect terms it confuses neutral with negative (factual clauses such as "it has 8GB RAM" score negative) and weak
praise with neutral. This trains a multinomial logistic regression on the clauses holding SemEval's *training*
aspect terms (held-out sentences by text hash, as bench/quality.py) over the MiniLM vector plus the two bundled head
logits, then reports on the held-out terms: (a) its argmax, (b) P(pos) - P(neg) with the product's 0.35 band, (c) the
bundled score gated by 1 - P(neutral), (d) neutral when P(neutral) > 0.5, else the bundled sign; and what each does
to review-level balanced accuracy on held-out clothing reviews when it replaces the clause scores.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402

from quality import EMBED, MODEL, datasets, split_snippets  # noqa: E402
from core.sentiment import problem_prior, roll_up  # noqa: E402


def clauses(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per non-conflict aspect term: the clause holding it (the whole sentence if none) and its polarity."""
    rows = []
    for text, terms in zip(frame.text, frame.terms):
        pieces = split_snippets(text, "en")
        rows += [(next((p for p in pieces if term in p), text), polarity)
                 for term, polarity, _, _ in terms if polarity != "conflict"]
    return pd.DataFrame(rows, columns=["text", "polarity"])


def features(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    vectors = EMBED.embed(texts)
    lexical, embedding = MODEL.en_lexical.logit(texts), MODEL.en_head.logit(vectors)
    logit = 0.5 * (lexical + embedding) + problem_prior(texts, "en")
    return np.hstack([vectors, np.c_[logit, np.abs(logit), lexical, embedding]]), logit


def banded(score: np.ndarray, band: float = 0.35) -> np.ndarray:
    return np.where(score >= band, "positive", np.where(score <= -band, "negative", "neutral"))


def main() -> None:
    train, test = [], {}
    for domain in ("Restaurants", "Laptop"):
        frame = datasets.semeval(domain)
        train.append(clauses(frame[~frame.test]))
        test[domain] = clauses(frame[frame.test])
    train = pd.concat(train).drop_duplicates()
    x_train, _ = features(train.text.tolist())
    clothing = datasets.clothing()
    clothing = clothing[(clothing.label >= 0) & clothing.test]
    pairs = [(i, s) for i, t in enumerate(clothing.text) for s in split_snippets(str(t), "en")]
    x_clothing, clothing_logit = features([s for _, s in pairs])
    review_ids = [i for i, _ in pairs]

    def review_balanced_accuracy(scores: np.ndarray) -> float:
        rolled = roll_up(pd.DataFrame({"review_id": review_ids, "score": scores})).set_index("review_id")["score"]
        rolled = rolled.reindex(range(len(clothing))).fillna(0).to_numpy()
        return balanced_accuracy_score(clothing.label.to_numpy(), rolled > 0)

    bundled = 2 / (1 + np.exp(-clothing_logit)) - 1
    print(f"clothing reviews, bundled clause scores rolled up: balanced accuracy {review_balanced_accuracy(bundled):.3f}\n")
    print("| C | SemEval | bundled | (a) argmax | (b) P(pos)-P(neg) | (c) gate | (d) hard gate |\n|---|---|---|---|---|---|---|")
    for c in (0.3, 1.0, 3.0):
        head = LogisticRegression(C=c, max_iter=3000).fit(x_train, train.polarity)
        for domain, rows in test.items():
            x, logit = features(rows.text.tolist())
            truth = rows.polarity.to_numpy()
            p = pd.DataFrame(head.predict_proba(x), columns=head.classes_)
            old = 2 / (1 + np.exp(-logit)) - 1
            hard = np.where(p["neutral"] > 0.5, "neutral", np.where(old >= 0, "positive", "negative"))
            print(f"| {c} | {domain} ({len(rows)} terms) | {np.mean(banded(old) == truth):.3f} | "
                  f"{np.mean(p.idxmax(axis=1).to_numpy() == truth):.3f} | "
                  f"{np.mean(banded((p['positive'] - p['negative']).to_numpy()) == truth):.3f} | "
                  f"{np.mean(banded(old * (1 - p['neutral'].to_numpy())) == truth):.3f} | {np.mean(hard == truth):.3f} |")
        p = pd.DataFrame(head.predict_proba(x_clothing), columns=head.classes_)
        print(f"| {c} | clothing reviews (balanced accuracy) | {review_balanced_accuracy(bundled):.3f} | | "
              f"{review_balanced_accuracy((p['positive'] - p['negative']).to_numpy()):.3f} | "
              f"{review_balanced_accuracy(bundled * (1 - p['neutral'].to_numpy())):.3f} | |", flush=True)


if __name__ == "__main__":
    main()
