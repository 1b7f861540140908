"""The recommendation lab's recipes: evaluate an interactions file; build a catalogue from the review workspace;
simulate shoppers over it; run an A/B test between two recommenders. The page and the CLI call these."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from .ingest import INTERACTIONS, load_file
from .recommend import (ALS, EASE, RECENCY_HALF_LIFE, ContentBased, Data, ItemKNN, NeedAwareHybrid, Popularity, Recommender,
                        default_models, evaluate, temporal_split, top_k)
from .simulate import ABResult, ShopperParams, simulate_ab, simulate_shoppers
from .store import Store
from .themes import is_general_opinion

MODELS = {"popularity": Popularity, "itemknn": ItemKNN, "ease": EASE,
          "ease_recency": lambda: EASE(half_life=RECENCY_HALF_LIFE), "als": ALS, "content": ContentBased,
          "need_aware": NeedAwareHybrid}
# what the Recommendation lab calls each (the CLI, bench/RESULTS.md and the stored evaluations keep the ids above)
MODEL_LABELS = {"popularity": "Popularity", "itemknn": "Item k-NN", "ease": "EASE",
                "ease_recency": "EASE, recent first", "als": "ALS (implicit)", "content": "Content (review text)",
                "need_aware": "Need-aware hybrid"}


def split_description(test_fraction: float, min_user: int = 5) -> str:
    return (f"temporal per-user split: each user's latest {test_fraction:.0%} of interactions (by time) held out "
            f"as test, users with fewer than {min_user} interactions kept in train; all held-out items relevant; "
            f"seen items excluded; k=10")


def evaluate_file(path: Path, overrides: dict | None = None, test_fraction: float = 0.2,
                  workspace: Store | None = None) -> dict:
    """Load interactions (roles inferred like any upload), split, and evaluate every applicable recommender."""
    loaded = load_file(path, INTERACTIONS, overrides or {})
    frame = loaded.rows[["user", "item", "value", "ts"]]
    catalogue = workspace_catalogue(workspace) if workspace is not None else None
    train, test = temporal_split(frame, test_fraction)
    side = catalogue.side_for(np.sort(frame["item"].unique())) if catalogue is not None else {}
    data = Data.from_frame(train, items=np.sort(frame["item"].unique()), **side)
    table = evaluate(default_models(data), data, test)
    return {"split": split_description(test_fraction), "users": int(frame["user"].nunique()),
            "items": int(frame["item"].nunique()), "interactions": int(len(frame)),
            "rejected": int(len(loaded.rejects)), "test_interactions": int(len(test)),
            "models": {name: {k: round(float(v), 5) for k, v in row.items()} for name, row in table.iterrows()}}


@dataclass
class Catalogue:
    """Products from the review workspace with what their reviews praise or criticise, per need theme."""

    items: np.ndarray
    popularity: np.ndarray
    aspects: np.ndarray
    aspect_names: list[str]
    item_vectors: np.ndarray | None

    def side_for(self, items: np.ndarray) -> dict:
        index = pd.Index(self.items).get_indexer(items)
        aspects = np.zeros((len(items), len(self.aspect_names)))
        aspects[index >= 0] = self.aspects[index[index >= 0]]
        return {"aspects": aspects, "aspect_names": self.aspect_names}


def workspace_catalogue(store: Store, min_reviews: int = 3, top_themes: int = 15, shrink: float = 5.0,
                        vectors: bool = True) -> Catalogue | None:
    """Products x themes: shrunk mean snippet sentiment (praise +, complaints -), and review counts; with ``vectors``,
    each product's mean snippet vector for the content model (most of the cost: 1.7 of 2.0 s at 1M reviews)."""
    matrix = store.product_aspects(top_themes)
    if matrix.empty:
        return None
    counts = matrix.groupby("product")["reviews"].max()
    items = np.array(sorted(counts[counts >= min_reviews].index))
    if len(items) == 0:
        return None
    # shoppers' needs are needs: not a general-opinion, catch-all or reviewer-context theme (simulated shoppers of
    # 4,000 clothing reviews "cared about General praise (gorgeous / highly recommend)", the demo's about "partner")
    # ties broken by name: DuckDB returns rows in no fixed order, and a tie then reordered the aspects, so the same
    # seed simulated other shoppers (thirty-third session)
    ranked = matrix.sort_values(["mentions", "theme"], ascending=[False, True], kind="stable")
    names = [t for t in dict.fromkeys(ranked["theme"]) if not is_general_opinion(t)][:top_themes]
    matrix = matrix[matrix["product"].isin(items) & matrix["theme"].isin(names)]
    shrunk = matrix["score_sum"] / (matrix["mentions"] + shrink)
    table = matrix.assign(aspect=shrunk).pivot_table(index="product", columns="theme", values="aspect", fill_value=0.0)
    table = table.reindex(index=items, columns=names, fill_value=0.0)
    return Catalogue(items, counts.reindex(items).to_numpy(dtype=float), table.to_numpy(), names,
                     product_vectors(store, items) if vectors else None)


def product_vectors(store: Store, items: np.ndarray, per_product: int = 200, chunk: int = 50_000) -> np.ndarray | None:
    """A product's vector = the mean of its review snippets' cached embeddings (English route), for content-based
    recommendation; None when the cache holds none (e.g. a workspace analysed elsewhere). The first embedding model
    (by cached vectors) that holds half of the snippets is used.

    Vectors are read ``chunk`` distinct snippets at a time and summed per product, so the server holds a chunk, not
    every vector twice: a million distinct reviews' ~890k snippets of 384-d MiniLM are 1.4 GB as one array."""
    snippets = store.product_snippet_hashes(per_product)
    snippets = snippets[snippets["product"].isin(items)]
    if snippets.empty:
        return None
    codes, hashes = pd.factorize(snippets["text_hash"].to_numpy(dtype=object))
    product = pd.Index(items).get_indexer(snippets["product"].to_numpy(dtype=object))
    order = np.argsort(codes, kind="stable")  # the snippets of each chunk of distinct hashes, by searchsorted
    bounds = np.searchsorted(codes[order], np.arange(0, len(hashes) + chunk, chunk))
    for model in store.embedding_models():
        summed = _summed_vectors(store, model, hashes, codes, product, order, bounds, len(items), chunk)
        if summed is not None:
            sums, counts = summed
            return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)
    return None


def _summed_vectors(store: Store, model: str, hashes: np.ndarray, codes: np.ndarray, product: np.ndarray,
                    order: np.ndarray, bounds: np.ndarray, n_items: int, chunk: int
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """Per product, the sum and count of its snippets' cached ``model`` vectors; None when the model holds fewer than
    half of the distinct snippets. One sparse product x snippet sum per chunk (a Python list per product took 2.6 s of
    the lab's first visit at 1M reviews, thirty-sixth session)."""
    from scipy import sparse

    sums, counts, found_total = None, np.zeros(n_items), 0
    for number, first in enumerate(range(0, len(hashes), chunk)):
        wanted = hashes[first:first + chunk]
        found = store.get_embeddings(model, wanted.tolist())
        if not found:
            continue
        present = np.array([h in found for h in wanted])
        vectors = np.stack([found[h] for h in wanted[present]]).astype(np.float64)
        found_total += len(vectors)
        local = np.full(len(wanted), -1)
        local[present] = np.arange(len(vectors))
        rows = order[bounds[number]:bounds[number + 1]]
        column = local[codes[rows] - first]
        kept = column >= 0
        members = sparse.csr_matrix((np.ones(int(kept.sum())), (product[rows][kept], column[kept])),
                                    shape=(n_items, len(vectors)))
        sums = members @ vectors if sums is None else sums + members @ vectors
        counts += np.asarray(members.sum(axis=1)).ravel()
    if sums is None or found_total < 0.5 * len(hashes):
        return None
    return sums, counts


def persona_recommendations(catalogue: Catalogue, cares_about: list[str], k: int = 10,
                            params: ShopperParams | None = None) -> pd.DataFrame:
    """Top-k for a described persona (no history): the products such a shopper most likely buys under the simulator's
    own choice model (core/simulate.py) and its settings ``params``: a view by popularity_bias x log(popularity) +
    need_weight x need match (a softmax over the noise), then a purchase by sigmoid(purchase_bias + need_weight x
    match). Popularity plus the match at weight 1 put the demo's three most reviewed skincare products above a
    speaker praised for battery life, for a shopper who cares about battery life."""
    params = params or ShopperParams()
    needs = np.array([1.0 if name in cares_about else 0.0 for name in catalogue.aspect_names])
    needs = needs / max(needs.sum(), 1.0)
    match = catalogue.aspects @ needs
    utility = params.popularity_bias * np.log(np.maximum(catalogue.popularity, 1e-9)) + params.need_weight * match
    bought = -np.logaddexp(0.0, -(params.purchase_bias + params.need_weight * match))  # log sigmoid
    order = np.argsort(-(utility / max(params.noise, 1e-9) + bought), kind="stable")[:k]
    reasons = []
    for i in order:
        contribution = needs * catalogue.aspects[i]
        best, worst = int(np.argmax(contribution)), int(np.argmin(contribution))
        reasons.append(f"praised for {catalogue.aspect_names[best]}, which this shopper cares about"
                       if contribution[best] > 0.02 else
                       f"popular ({int(catalogue.popularity[i])} reviews), though criticised for "
                       f"{catalogue.aspect_names[worst]}" if contribution[worst] < -0.02 else
                       f"popular: {int(catalogue.popularity[i])} reviews")
    return pd.DataFrame({"rank": range(1, len(order) + 1), "item": catalogue.items[order], "why": reasons})


def simulate_workspace(store: Store, params: ShopperParams, keep: bool = True
                       ) -> tuple[pd.DataFrame, np.ndarray, Catalogue]:
    """Simulated shoppers over the workspace's products; with ``keep``, the events are stored in the workspace's
    interactions table and the settings in its simulations log (a write); without, nothing is written."""
    catalogue = workspace_catalogue(store)
    if catalogue is None:
        raise ValueError("the workspace has no products with reviews; analyse a review file with a product column")
    frame, needs = simulate_shoppers(catalogue.aspects, catalogue.popularity, params, catalogue.items)
    if keep:
        store.write_interactions(frame, simulated=True, params=params.__dict__)
    return frame, needs, catalogue


def last_shopper_params(store: Store) -> ShopperParams | None:
    """The settings of the workspace's last stored simulation (None when it has none): the simulator is seeded, so
    they give the same shoppers again over the same analysis."""
    stored = store.last_simulation_params()
    if stored is None:
        return None
    known = {f.name for f in fields(ShopperParams)}
    return ShopperParams(**{k: v for k, v in stored.items() if k in known})


def lab_data(frame: pd.DataFrame, needs: np.ndarray, catalogue: Catalogue) -> Data:
    """Algorithm-ready data over the whole simulated history (users in shopper order, so rows match needs)."""
    users = np.array(sorted(frame["user"].unique()))
    return Data.from_frame(frame, users=users, items=catalogue.items, aspects=catalogue.aspects,
                           aspect_names=catalogue.aspect_names, needs=needs[: len(users)],
                           item_vectors=catalogue.item_vectors)


def run_ab(frame: pd.DataFrame, needs: np.ndarray, catalogue: Catalogue, model_a: str, model_b: str,
           visitors: int, split: float, params: ShopperParams, seed: int = 11) -> ABResult:
    """Train both arms on the simulated history and send simulated visitors to each."""
    data = lab_data(frame, needs, catalogue)
    rows = np.arange(len(data.users))
    recs = {}
    for name in (model_a, model_b):
        model = MODELS[name]().fit(data)
        recs[name] = top_k(model, data, rows, min(10, len(data.items) - 1), exclude_seen=False)
    return simulate_ab(recs[model_a], recs[model_b], data.needs, data.aspects, visitors, split, params,
                       (MODEL_LABELS.get(model_a, model_a), MODEL_LABELS.get(model_b, model_b)), seed)


def recommender(name: str) -> Recommender:
    return MODELS[name]()
