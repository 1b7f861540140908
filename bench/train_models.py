"""Train the bundled offline models and write them to core/models/ (plain numpy arrays, no pickles).

    python bench/train_models.py            # all models
    python bench/train_models.py zh         # only the Chinese representation + sentiment head
    python bench/train_models.py zh-sentiment [--choose]   # only the Chinese sentiment head

Models:
- zh_char_lsa.npz: character 1-2 gram TF-IDF vocabulary + idf + truncated-SVD components (the Chinese route).
- zh_sentiment.npz: logistic regression on that TF-IDF of whole reviews and their clauses (label from
  online_shopping_10_cats; see zh_sentiment_head).
- en_sentiment.npz: logistic regression on bundled MiniLM embeddings (clothing + Amazon fashion star ratings).
- en_lexical.npz: logistic regression on word 1-2 gram TF-IDF (the same rows).
The English clause classifier is bench/train_sentiment_encoder.py's (it blends with en_lexical.npz).
Training uses only rows where core.datasets.is_test() is False; the printed figures are on the test rows.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core import datasets  # noqa: E402
from core.config import BUNDLED_MODEL, MODELS_DIR  # noqa: E402

CACHE_DB = Path("/tmp/needlens_train_cache.duckdb")
ZH_DIMS = 192
ZH_FEATURES = 24000


def train_zh() -> None:
    df = datasets.zh_shopping()
    train, test = df[~df.test], df[df.test]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), max_features=ZH_FEATURES, sublinear_tf=True,
                                 min_df=3)
    x_train = vectorizer.fit_transform(train.text)
    svd = TruncatedSVD(n_components=ZH_DIMS, random_state=0, n_iter=7).fit(x_train)
    vocabulary = np.array(sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get))
    np.savez_compressed(MODELS_DIR / "zh_char_lsa.npz", vocabulary=vocabulary, idf=vectorizer.idf_.astype(np.float32),
                        components=svd.components_.astype(np.float16), ngram_range=np.array([1, 2]))
    x_test = vectorizer.transform(test.text)
    reduced = svd.transform(x_test)
    reduced /= np.linalg.norm(reduced, axis=1, keepdims=True) + 1e-12
    labels = KMeans(10, n_init=4, random_state=0).fit_predict(reduced)
    print(f"zh representation: NMI vs 10 categories on {len(test)} test rows = "
          f"{normalized_mutual_info_score(test.cat, labels):.3f}")
    train_zh_sentiment()


# A clause that opens with one of these, in a praised product's review, is usually its one complaint
# ("衣服很好看，就是尺码偏小"); the clause before it, in a panned product's review, is usually a concession.
ZH_CONTRAST = ("但是", "但", "就是", "不过", "可惜", "只是", "然而", "美中不足", "唯一")


def zh_clause_rows(texts, labels, contrast_filter: bool = True) -> "pd.DataFrame":
    """Clauses (the product's own snippets) labelled with their review's label; ``contrast_filter`` leaves out a
    positive review's clauses that open with a contrast and a negative review's concessions (the clause before a
    contrast, or one opening with 虽然): the same idea as the English clause classifier's training filter."""
    from core.text import split_snippets

    rows = []
    for text, label in zip(texts, labels):
        parts = [p for p in split_snippets(str(text), "zh") if len(p) >= 2]
        for i, part in enumerate(parts):
            following = parts[i + 1] if i + 1 < len(parts) else ""
            if contrast_filter and label == 1 and part.startswith(ZH_CONTRAST):
                continue
            if contrast_filter and label == 0 and (following.startswith(ZH_CONTRAST) or part.startswith("虽然")):
                continue
            rows.append((part, int(label)))
    return pd.DataFrame(rows, columns=["text", "label"])


def zh_sentiment_head(features, reviews: "pd.DataFrame", clause_weight: float = 1.0, contrast_filter: bool = True):
    """The Chinese sentiment head: logistic regression on character 1-2 gram TF-IDF of whole reviews plus their
    clauses. Trained on reviews alone (the first recipe) it scored every clause as if it were a review: alone,
    "简单" got logit -1.9 and all 62 of the demo's "操作简单" (easy to operate) snippets were negative. Clauses
    the review-only head contradicts strongly (logit beyond 2 the other way) are left out as noise.
    Returns the head and that review-only head (whose direction theme clustering keeps ignoring)."""
    from scipy import sparse

    x_reviews = features(reviews.text.tolist())
    base = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced").fit(x_reviews, reviews.label)
    if clause_weight <= 0:
        return base, base
    clauses = zh_clause_rows(reviews.text, reviews.label, contrast_filter)
    x_clauses = features(clauses.text.tolist())
    prior = base.decision_function(x_clauses)
    keep = np.where(clauses.label.values == 1, prior > -2, prior < 2)
    x = sparse.vstack([x_reviews, x_clauses[keep]]).tocsr()
    y = np.concatenate([reviews.label.values, clauses.label.values[keep]])
    weights = np.concatenate([np.ones(x_reviews.shape[0]), np.full(int(keep.sum()), clause_weight)])
    return LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced").fit(x, y, sample_weight=weights), base


def hand_labelled_zh_clauses() -> "pd.DataFrame":
    """bench/labels/zh_clause_sentiment.csv with each snippet's text rebuilt from the shared data."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "labels"))
    from draw_zh_clauses import held_out_snippets

    labels = pd.read_csv(Path(__file__).resolve().parent / "labels" / "zh_clause_sentiment.csv")
    return labels.merge(held_out_snippets(), on="sha1", how="left", validate="one_to_one")


def train_zh_sentiment(choose: bool = False) -> None:
    """Fit the head on the training and validation reviews (``choose``: on training reviews only, printing the
    variants on validation rows, where the recipe was chosen), write zh_sentiment.npz, score the test rows."""
    from core.embed import CharLsaEmbedder
    from core.sentiment import labels_from_scores

    features = CharLsaEmbedder(MODELS_DIR / "zh_char_lsa.npz").tfidf
    df = datasets.zh_shopping()
    split = df.text.map(datasets.split_of)
    short = lambda d: d[d.text.str.len() <= 12]  # noqa: E731 - reviews of one short clause, the snippets' proxy
    if choose:
        train, rows = df[split == "train"], df[split == "validation"]
        variants = {"reviews only (the first recipe)": (0.0, False), "+ clauses, weight 0.3": (0.3, False),
                    "+ clauses, weight 1": (1.0, False), "+ clauses without contrasts, weight 0.3": (0.3, True),
                    "+ clauses without contrasts, weight 1 (shipped)": (1.0, True)}
    else:
        train, rows = df[split != "test"], df[split == "test"]
        variants = {"reviews only (the first recipe)": (0.0, False), "+ clauses, weight 1 (not chosen)": (1.0, False),
                    "+ clauses without contrasts, weight 1 (shipped)": (1.0, True)}  # last: the head written
    clauses = None if choose else hand_labelled_zh_clauses()
    extra = "" if choose else (f" hand-labelled snippets, polar ({int((clauses.label != 0).sum())}): balanced accuracy | "
                               f"all {len(clauses)}, 3 classes at the product's band: accuracy / macro-F1 |")
    print(f"| Chinese sentiment head | {'validation' if choose else 'test'} reviews ({len(rows)}) | "
          f"reviews of <= 12 characters ({len(short(rows))}) |{extra}\n|---|---|---|{'---|---|' if extra else ''}")
    for name, (weight, contrast) in variants.items():
        head, reviews_only = zh_sentiment_head(features, train, weight, contrast)
        line = (f"| {name} | {balanced_accuracy_score(rows.label, head.predict(features(rows.text.tolist()))):.3f} | "
                f"{balanced_accuracy_score(short(rows).label, head.predict(features(short(rows).text.tolist()))):.3f} |")
        if clauses is not None:
            logit = head.decision_function(features(clauses.text.tolist()))
            polar = clauses.label.values != 0
            three = labels_from_scores(2.0 / (1.0 + np.exp(-logit)) - 1.0)
            gold = np.array(["positive", "neutral", "negative"])[1 - clauses.label.values]
            line += (f" {balanced_accuracy_score(clauses.label.values[polar] > 0, logit[polar] > 0):.3f} | "
                     f"{(three == gold).mean():.3f} / {f1_score(gold, three, average='macro'):.3f} |")
        print(line, flush=True)
    if not choose:
        np.savez_compressed(MODELS_DIR / "zh_sentiment.npz", coef=head.coef_[0].astype(np.float32),
                            intercept=np.array(head.intercept_, dtype=np.float32),
                            direction=reviews_only.coef_[0].astype(np.float32))


def english_training_sentences() -> "pd.DataFrame":
    """Sentence-level examples: snippets of 5-star (positive) and 1-2 star (negative) clothing/Amazon reviews,
    plus SemEval-2014 sentences whose aspects share one polarity. Test rows (by text hash) are kept apart; the
    ``validation`` column marks the rows on which bench/train_sentiment_encoder.py chooses how to blend the word head
    with its classifier, so the word head is trained without them."""
    import pandas as pd

    from core.text import split_snippets

    rows = []
    for df in (datasets.clothing(), datasets.amazon()):
        for text, rating, test in zip(df.text, df.rating, df.test):
            if rating in (1, 2, 5):
                validation = datasets.split_of(str(text)) == "validation"
                rows.extend((s, int(rating == 5), test, "reviews", validation) for s in split_snippets(str(text), "en"))
    for domain in ("Restaurants", "Laptop"):
        for text, terms, test in zip(*(datasets.semeval(domain)[c] for c in ("text", "terms", "test"))):
            polarities = {p for _, p, _, _ in terms}
            if polarities in ({"positive"}, {"negative"}):
                rows.append((text, int(polarities == {"positive"}), test, "semeval", datasets.split_of(text) == "validation"))
    return pd.DataFrame(rows, columns=["text", "label", "test", "source", "validation"])


def train_en() -> None:
    from core.embed import CachedEmbedder, load_embedder
    from core.sentiment import roll_up
    from core.store import Store
    from core.text import split_snippets

    store = Store(CACHE_DB)  # embedding cache: re-training does not re-embed
    embedder = CachedEmbedder(load_embedder(BUNDLED_MODEL), store)
    sentences = english_training_sentences()
    start = time.time()
    vectors = embedder.embed(sentences.text.tolist())
    print(f"embedded {len(sentences)} sentences in {time.time() - start:.0f}s")
    train = ~sentences.test.values
    weights = np.where(sentences.source.values == "semeval", 3.0, 1.0)[train]
    head = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(
        vectors[train], sentences.label.values[train], sample_weight=weights)
    np.savez_compressed(MODELS_DIR / "en_sentiment.npz", coef=head.coef_[0].astype(np.float32),
                        intercept=np.array(head.intercept_, dtype=np.float32), model=np.array(BUNDLED_MODEL))
    # Lexical head on word 1-2 grams: catches cues the frozen embedding blurs ("runs small", "so soft").
    lexical = TfidfVectorizer(ngram_range=(1, 2), min_df=3, max_features=60000, sublinear_tf=True,
                              token_pattern=r"(?u)\b\w[\w']*\b")
    words = train & ~sentences.validation.values  # see english_training_sentences
    x_lex = lexical.fit_transform(sentences.text[words])
    lex_head = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced").fit(
        x_lex, sentences.label.values[words], sample_weight=np.where(sentences.source.values == "semeval", 3.0, 1.0)[words])
    vocabulary = np.array(sorted(lexical.vocabulary_, key=lexical.vocabulary_.get))
    np.savez_compressed(MODELS_DIR / "en_lexical.npz", vocabulary=vocabulary, idf=lexical.idf_.astype(np.float32),
                        coef=lex_head.coef_[0].astype(np.float32), intercept=np.array(lex_head.intercept_, dtype=np.float32),
                        ngram_range=np.array([1, 2]))
    # Review-level check on held-out clothing reviews: mean of snippet scores, as the pipeline rolls up.
    reviews = datasets.clothing()
    reviews = reviews[reviews.test & (reviews.label >= 0)]
    snippets = [(rid, s) for rid, t in zip(reviews.index, reviews.text) for s in split_snippets(t, "en")]
    snippet_vectors = embedder.embed([s for _, s in snippets])
    from core.sentiment import BundledSentiment

    model = BundledSentiment(encoder=None)  # the heads alone (the bundled-fast backend)
    texts = [s for _, s in snippets]
    variants = {"MiniLM head": model.en_head.score(snippet_vectors), "lexical head": model.en_lexical.score(texts),
                "both heads (bundled-fast)": model.score(texts, ["en"] * len(texts), snippet_vectors)}
    for name, scores in variants.items():
        rolled = roll_up(pd.DataFrame({"review_id": [r for r, _ in snippets], "score": scores})).set_index("review_id")
        predicted = (rolled.loc[reviews.index, "score"] > 0).astype(int)
        print(f"en sentiment ({name}, snippets rolled up): balanced accuracy "
              f"{balanced_accuracy_score(reviews.label, predicted):.3f} on {len(reviews)} held-out clothing reviews")
    store.close()


if __name__ == "__main__":
    which = sys.argv[1:] or ["zh", "en"]
    if "zh" in which:
        train_zh()
    if "zh-sentiment" in which:  # the head alone; with --choose, the variants on validation rows, nothing written
        train_zh_sentiment(choose="--choose" in which)
    if "en" in which:
        train_en()
