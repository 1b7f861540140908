"""Train the bundled offline models and write them to core/models/ (plain numpy arrays, no pickles).

    python bench/train_models.py            # all models
    python bench/train_models.py zh         # only the Chinese representation + sentiment head

Models:
- zh_char_lsa.npz: character 1-2 gram TF-IDF vocabulary + idf + truncated-SVD components (the Chinese route).
- zh_sentiment.npz: logistic regression on that TF-IDF (label from online_shopping_10_cats).
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
from sklearn.metrics import balanced_accuracy_score, normalized_mutual_info_score

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
    head = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced").fit(x_train, train.label)
    bacc = balanced_accuracy_score(test.label, head.predict(x_test))
    np.savez_compressed(MODELS_DIR / "zh_sentiment.npz", coef=head.coef_[0].astype(np.float32),
                        intercept=np.array(head.intercept_, dtype=np.float32))
    print(f"zh sentiment (char TF-IDF + LR): balanced accuracy {bacc:.3f} on {len(test)} test rows")


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
    if "en" in which:
        train_en()
