"""How many need themes, and how firmly: the choice of k under small changes to the input, and how well each theme
stays together when the themes are computed again (fortieth session).

    .venv/bin/python bench/theme_count.py      # ~5 min on 2 cores (most of it analysing the reviews once)

Data: 3,000 shared clothing reviews (``.sample(3000, random_state=39)``), analysed by the product into a temporary
workspace; their English snippets in the space the product clusters (the sentiment direction deflated, PCA to 48).
Printed:

1. The k chosen on all snippets and on 11 sets with 10 random snippets dropped, by the shipped rule (the smallest k
   whose silhouette is within 3% of the best, core.themes.AutoKMeans) and by rules tried instead: the silhouette curve
   smoothed over 3 neighbours or fitted by a quadratic, a looser 5% / 8%, ten k-means restarts on a 6,000-snippet
   sample, and k read off one fine clustering's dendrogram.
2. Adjusted Rand index between the themes of all snippets and of each changed set: k chosen each time, or fixed.
3. What the product now tells a PM: the count sentence (core.recluster.count_sentence) and each theme's "stays
   together" score (core.themes.theme_stability), as stored by the analysis.
"""
from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

import core.themes as themes  # noqa: E402
from core import datasets  # noqa: E402
from core.config import Settings  # noqa: E402
from core.pipeline import Pipeline, Source  # noqa: E402
from core.recluster import count_sentence  # noqa: E402
from core.store import Store  # noqa: E402

TRIALS = 12  # all snippets, then 11 sets with DROPPED random snippets left out
DROPPED = 10


def analysed(folder: Path) -> tuple[Store, Pipeline]:
    reviews = _clothing_sample()
    path = folder / "clothing3000.csv"
    reviews.to_csv(path, index=False)
    settings = Settings().with_db(folder / "ws.duckdb")
    store = Store(settings.db_path)
    pipeline = Pipeline(settings, store)
    pipeline.run(Source(path.name, path=path))
    return store, pipeline


def _clothing_sample() -> pd.DataFrame:
    """The raw shared file's rows, as a PM would upload them (core.datasets.clothing() renames and filters)."""
    return pd.read_csv(datasets.CLOTHING).sample(3000, random_state=39)


def clustered_space(store: Store, pipeline: Pipeline) -> np.ndarray:
    snippets = store.query_df("SELECT text, text_hash FROM snippets WHERE lang = 'en' ORDER BY snippet_id")
    vectors = pipeline.cached("en").embed(snippets["text"], hashes=snippets["text_hash"])
    settings = pipeline.settings.themes
    reducer = themes.DeflatedReducer(pipeline._sentiment_directions("en", vectors),
                                     themes.PCAReducer(settings.reduce_dims, settings.seed))
    return reducer.fit_transform(vectors)


def smallest_within(scores: dict[int, float], share: float) -> int:
    best = max(scores.values())
    return min(k for k, v in scores.items() if v >= best - share * abs(best))


def smoothed(scores: dict[int, float], how: str) -> dict[int, float]:
    ks = np.array(sorted(scores))
    values = np.array([scores[k] for k in ks])
    if how == "3 neighbours":
        values = np.convolve(np.pad(values, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    else:
        values = np.polyval(np.polyfit(ks, values, 2), ks)
    return dict(zip(ks.tolist(), values.tolist()))


def restarts_rule(x: np.ndarray, seed: int = 42) -> int:
    """Ten k-means restarts per k, silhouette on 6,000 snippets, the shipped 3% rule."""
    low, high = themes.AutoKMeans(6, 24, seed).k_bounds(len(x))
    sample = x[np.random.default_rng(seed).choice(len(x), min(len(x), 6000), replace=False)]
    scores = {k: float(silhouette_score(sample, KMeans(k, n_init=10, random_state=seed).fit_predict(sample),
                                        metric="cosine")) for k in range(low, high + 1)}
    return smallest_within(scores, 0.03)


def dendrogram_rule(x: np.ndarray, seed: int = 42) -> int:
    """One fine k-means (3 x the largest k), its centres' average-linkage tree cut at each k, silhouette of each cut."""
    low, high = themes.AutoKMeans(6, 24, seed).k_bounds(len(x))
    fine = KMeans(3 * high, n_init=3, random_state=seed).fit(x)
    centres = fine.cluster_centers_ / np.linalg.norm(fine.cluster_centers_, axis=1, keepdims=True)
    tree = linkage(centres, method="average", metric="cosine")
    rows = np.random.default_rng(seed).choice(len(x), min(len(x), 3000), replace=False)
    scores = {k: float(silhouette_score(x[rows], fcluster(tree, k, criterion="maxclust")[fine.labels_[rows]],
                                        metric="cosine")) for k in range(low, high + 1)}
    return smallest_within(scores, 0.03)


def main() -> None:
    started = time.time()
    with tempfile.TemporaryDirectory() as folder:
        store, pipeline = analysed(Path(folder))
        x = clustered_space(store, pipeline)
        print(f"3,000 clothing reviews: {len(x):,} English snippets ({time.time() - started:.0f} s to analyse)\n")
        rng = np.random.default_rng(0)
        keeps = [np.ones(len(x), bool)]
        for _ in range(TRIALS - 1):
            keep = np.ones(len(x), bool)
            keep[rng.choice(len(x), DROPPED, replace=False)] = False
            keeps.append(keep)
        chosen: dict[str, list[int]] = {}
        labels, fixed = [], []
        for keep in keeps:
            model = themes.AutoKMeans(6, 24, 42)
            labels.append(model.fit_predict(x[keep]))
            scores = model.scores_
            for name, k in (("shipped: smallest k within 3% of the best silhouette", model.k_),
                            ("the curve smoothed over 3 neighbours, 3%", smallest_within(smoothed(scores, "3 neighbours"), 0.03)),
                            ("the curve fitted by a quadratic, 3%", smallest_within(smoothed(scores, "quadratic"), 0.03)),
                            ("within 5%", smallest_within(scores, 0.05)), ("within 8%", smallest_within(scores, 0.08)),
                            ("10 restarts, 6,000-snippet sample, 3%", restarts_rule(x[keep])),
                            ("a dendrogram cut of one fine clustering, 3%", dendrogram_rule(x[keep]))):
                chosen.setdefault(name, []).append(k)
            fixed.append(themes.CountKMeans(15, 42).fit_predict(x[keep]))
        print(f"| rule (k over all snippets, then {TRIALS - 1} sets with {DROPPED} dropped) | k chosen | range |")
        print("|---|---|---|")
        for name, ks in chosen.items():
            print(f"| {name} | {', '.join(map(str, ks))} | {min(ks)}-{max(ks)} |")
        auto = [adjusted_rand_score(labels[0][keep], lab) for keep, lab in zip(keeps[1:], labels[1:])]
        steady = [adjusted_rand_score(fixed[0][keep], lab) for keep, lab in zip(keeps[1:], fixed[1:])]
        print(f"\n| themes of all snippets vs of each changed set | adjusted Rand index, mean (range) |\n|---|---|")
        print(f"| k chosen each time (shipped) | {np.mean(auto):.3f} ({min(auto):.3f}-{max(auto):.3f}) |")
        print(f"| k fixed at 15 | {np.mean(steady):.3f} ({min(steady):.3f}-{max(steady):.3f}) |")
        print("\nWhat the Need themes page says (the analysis's record):")
        for row in store.theme_counts().to_dict("records"):
            print(f"  {count_sentence(row)}")
        table = store.query_df("SELECT label, size, stability FROM themes ORDER BY size DESC")
        print("\n| theme | mentions | stays together |\n|---|---|---|")
        for row in table.itertuples():
            print(f"| {row.label} | {row.size:,} | {row.stability:.2f} |")
        store.close()
    print(f"\n{time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
