"""Recommendation lab: one small class per algorithm behind one protocol, offline evaluation, explanations.

Algorithms: popularity; item-item kNN (cosine); EASE (Steck 2019, closed-form item-item regression); ALS for
implicit feedback (the `implicit` library); content-based (item vectors: review embeddings or genre/aspect
vectors); and a need-aware hybrid that boosts items praised for what the user cares about and penalises items whose
complaints hit it. Every recommendation carries a one-line explanation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import sparse

K = 10
# Tuned on a validation split carved from MovieLens-small's training part (bench/RESULTS.md): recent choices
# predict the next ones best when weight halves every 5 steps back in a user's history.
RECENCY_HALF_LIFE = 5.0


@dataclass
class Data:
    """Interactions indexed for algorithms: a users x items CSR matrix plus the id maps and item side data.

    ``aspects`` (items x aspects, values in [-1, 1]) says what each item is praised (+) or criticised (-) for;
    ``needs`` (users x aspects, >= 0) says what each user cares about. Both are optional.
    """

    matrix: sparse.csr_matrix
    users: np.ndarray
    items: np.ndarray
    item_names: dict = field(default_factory=dict)
    aspects: np.ndarray | None = None
    aspect_names: list[str] = field(default_factory=list)
    needs: np.ndarray | None = None
    item_vectors: np.ndarray | None = None
    order: sparse.csr_matrix | None = None  # per user: 0 for the latest interaction, 1 for the one before, ...
    # fitted parts that depend only on this data and settings, shared by the models fitted on it (EASE's weights:
    # EASE, EASE with recency and the need-aware hybrid's base fit the same inverse)
    fitted: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, users: np.ndarray | None = None, items: np.ndarray | None = None,
                   **side) -> "Data":
        users = np.asarray(users if users is not None else np.sort(frame["user"].unique()))
        items = np.asarray(items if items is not None else np.sort(frame["item"].unique()))
        if "ts" in frame:
            frame = frame.sort_values("ts", kind="stable")
        u = pd.Index(users).get_indexer(frame["user"])
        i = pd.Index(items).get_indexer(frame["item"])
        keep = (u >= 0) & (i >= 0)
        u, i = u[keep], i[keep]
        matrix = sparse.csr_matrix((np.ones(len(u), dtype=np.float32), (u, i)), shape=(len(users), len(items)))
        matrix.data[:] = 1.0  # implicit feedback: repeated events count once
        # How recent each (user, item) is: 0 = the user's latest; with duplicates, the latest occurrence counts.
        steps_back = pd.Series(np.arange(len(u))).groupby(u).rank(ascending=False, method="first").to_numpy() - 1
        latest = pd.DataFrame({"u": u, "i": i, "back": steps_back}).groupby(["u", "i"])["back"].min().reset_index()
        order = sparse.csr_matrix((latest["back"].to_numpy(dtype=np.float32) + 1, (latest["u"], latest["i"])),
                                  shape=matrix.shape)  # stored +1 so the latest (0) is not dropped as a zero
        return cls(matrix, users, items, order=order, **side)

    def history(self, user_rows: np.ndarray, half_life: float | None = None) -> sparse.csr_matrix:
        """Users' histories, optionally weighted 0.5 ** (steps back / half_life) so recent choices count more."""
        rows = self.matrix[user_rows]
        if half_life is None or self.order is None:
            return rows
        weighted = self.order[user_rows].copy()
        weighted.data = np.power(0.5, (weighted.data - 1) / half_life).astype(np.float32)
        return weighted

    def popularity(self) -> np.ndarray:
        return np.asarray(self.matrix.sum(axis=0)).ravel()


class Recommender(Protocol):
    name: str

    def fit(self, data: Data) -> "Recommender": ...

    def scores(self, user_rows: np.ndarray) -> np.ndarray:
        """Dense scores (len(user_rows) x n_items); higher is better."""
        ...

    def explain(self, user_row: int, item: int) -> str: ...


def top_k(recommender: Recommender, data: Data, user_rows: np.ndarray, k: int = K,
          exclude_seen: bool = True, batch: int = 512) -> np.ndarray:
    """Top-k item indices per user (seen items removed), in batches to bound memory."""
    out = np.zeros((len(user_rows), k), dtype=np.int64)
    for start in range(0, len(user_rows), batch):
        rows = user_rows[start:start + batch]
        scores = np.asarray(recommender.scores(rows), dtype=np.float64)
        if exclude_seen:
            seen = data.matrix[rows]
            scores[seen.nonzero()] = -np.inf
        part = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        order = np.take_along_axis(scores, part, axis=1).argsort(axis=1)[:, ::-1]
        out[start:start + len(rows)] = np.take_along_axis(part, order, axis=1)
    return out


class Popularity:
    """Most-interacted items first: the platform's usual default and the baseline."""

    name = "popularity"

    def fit(self, data: Data) -> "Popularity":
        self.data = data
        self.counts = data.popularity()
        return self

    def scores(self, user_rows: np.ndarray) -> np.ndarray:
        return np.tile(self.counts, (len(user_rows), 1))

    def explain(self, user_row: int, item: int) -> str:
        return f"popular: chosen by {int(self.counts[item]):,} shoppers"


class _ItemItem:
    """Shared by item-item models: scores = user history x item-item weights; explains by the top contributor."""

    weights: sparse.csr_matrix | np.ndarray
    half_life: float | None = None

    def scores(self, user_rows: np.ndarray) -> np.ndarray:
        result = self.data.history(user_rows, self.half_life) @ self.weights
        return result.toarray() if sparse.issparse(result) else np.asarray(result)

    def explain(self, user_row: int, item: int) -> str:
        history = self.data.matrix[user_row].indices
        if len(history) == 0:
            return "similar shoppers chose it"
        column = self.weights[:, item]
        column = column.toarray().ravel() if sparse.issparse(column) else np.asarray(column).ravel()
        best = history[np.argmax(column[history])]
        return f"because you chose {self.data.item_names.get(self.data.items[best], self.data.items[best])}"


class ItemKNN(_ItemItem):
    """Cosine item-item similarity on co-occurrence, pruned to each item's top neighbours."""

    name = "itemknn"

    def __init__(self, neighbours: int = 100, shrink: float = 10.0) -> None:
        self.neighbours, self.shrink = neighbours, shrink

    def fit(self, data: Data) -> "ItemKNN":
        self.data = data
        x = data.matrix.tocsc().astype(np.float32)
        co = (x.T @ x).tocsr().astype(np.float32)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
        co = sparse.diags(1 / (norms + 1e-9)) @ co @ sparse.diags(1 / (norms + 1e-9))
        co = co.tolil()
        co.setdiag(0)
        self.weights = _prune_columns(co.tocsc(), self.neighbours).tocsr()
        return self


def _prune_columns(matrix: sparse.csc_matrix, keep: int) -> sparse.csc_matrix:
    """Keep the `keep` largest entries of each column."""
    matrix = matrix.tocsc()
    rows, cols, vals = [], [], []
    for j in range(matrix.shape[1]):
        start, end = matrix.indptr[j], matrix.indptr[j + 1]
        if end == start:
            continue
        data, idx = matrix.data[start:end], matrix.indices[start:end]
        best = np.argsort(-data)[:keep]
        rows.append(idx[best])
        cols.append(np.full(len(best), j))
        vals.append(data[best])
    if not rows:
        return sparse.csc_matrix(matrix.shape, dtype=np.float32)
    return sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape)


class EASE(_ItemItem):
    """Embarrassingly Shallow Autoencoder: B = I - P diag(1/diag(P)), P = (X'X + l I)^-1, on the busiest items."""

    name = "ease"

    def __init__(self, l2: float = 300.0, max_items: int = 4000, half_life: float | None = None) -> None:
        self.l2, self.max_items, self.half_life = l2, max_items, half_life
        if half_life is not None:
            self.name = "ease_recency"

    def fit(self, data: Data) -> "EASE":
        self.data = data
        key = ("ease", self.l2, self.max_items)  # recency weighs the history at scoring time, not the weights
        if key not in data.fitted:
            data.fitted[key] = self._weights(data)
        self.weights = data.fitted[key]
        return self

    def _weights(self, data: Data) -> np.ndarray:
        if len(data.items) > 12000:
            raise ValueError("too many items for EASE's dense weights; lower max_items")
        popularity = data.popularity()
        # items nobody chose have no co-occurrence: their weights are 0 whatever the inverse, so they stay out of it
        # (EASE's inverse is cubic in the items: 3,320 chosen of the 1M-review workspace's 4,620 products)
        keep = np.sort(np.argsort(-popularity, kind="stable")[: min(self.max_items, int((popularity > 0).sum()))])
        x = data.matrix[:, keep].astype(np.float64)
        gram = (x.T @ x).toarray()
        gram[np.diag_indices_from(gram)] += self.l2
        p = _spd_inverse(gram)
        b = -p / np.diag(p)
        np.fill_diagonal(b, 0.0)
        full = np.zeros((len(data.items), len(data.items)), dtype=np.float32)
        full[np.ix_(keep, keep)] = b
        full.flags.writeable = False  # shared between the models fitted on this data
        return full


def _spd_inverse(gram: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix (EASE's X'X + l2 I), by a float32 Cholesky factorisation:
    0.25 s for 3,320 items where np.linalg.inv took 1.3 s, within 1e-6 of it relative to its largest entry (weights
    are kept in float32 anyway); np.linalg.inv when the factorisation fails."""
    from scipy.linalg import lapack

    factor, info = lapack.spotrf(gram.astype(np.float32), lower=False)
    if info == 0:
        inverse, info = lapack.spotri(factor, lower=False)
    if info != 0:
        return np.linalg.inv(gram)
    upper = np.triu(inverse)  # spotri fills the upper triangle only
    return (upper + np.triu(upper, 1).T).astype(np.float64)


class ALS:
    """Matrix factorisation for implicit feedback (Hu, Koren & Volinsky 2008) via the `implicit` library."""

    name = "als"

    def __init__(self, factors: int = 64, regularization: float = 1.0, iterations: int = 20, alpha: float = 2.0,
                 seed: int = 42) -> None:
        self.params = dict(factors=factors, regularization=regularization, iterations=iterations, alpha=alpha,
                           random_state=seed)

    def fit(self, data: Data) -> "ALS":
        from implicit.cpu.als import AlternatingLeastSquares

        self.data = data
        from threadpoolctl import threadpool_limits

        import warnings

        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            # implicit parallelises itself and warns about BLAS threads, which the limit above already handles
            warnings.simplefilter("ignore", RuntimeWarning)
            self.model = AlternatingLeastSquares(**self.params, calculate_training_loss=False)
            self.model.fit(data.matrix.astype(np.float32), show_progress=False)
        self.user_factors = np.asarray(self.model.user_factors)
        self.item_factors = np.asarray(self.model.item_factors)
        return self

    def scores(self, user_rows: np.ndarray) -> np.ndarray:
        return self.user_factors[user_rows] @ self.item_factors.T

    def explain(self, user_row: int, item: int) -> str:
        history = self.data.matrix[user_row].indices
        if len(history) == 0:
            return "shoppers with similar taste chose it"
        vectors = self.item_factors[history] @ self.item_factors[item]
        best = history[int(np.argmax(vectors))]
        return f"shoppers who chose {self.data.item_names.get(self.data.items[best], self.data.items[best])} also chose it"


class ContentBased:
    """Cosine between an item's vector and the mean vector of what the user chose (review text or aspects)."""

    name = "content"

    def fit(self, data: Data) -> "ContentBased":
        if data.item_vectors is None:
            raise ValueError("content-based needs item vectors")
        self.data = data
        v = np.asarray(data.item_vectors, dtype=np.float32)
        self.vectors = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
        return self

    def scores(self, user_rows: np.ndarray) -> np.ndarray:
        profiles = self.data.matrix[user_rows] @ self.vectors
        profiles = profiles / np.maximum(np.linalg.norm(profiles, axis=1, keepdims=True), 1e-9)
        return profiles @ self.vectors.T

    def explain(self, user_row: int, item: int) -> str:
        history = self.data.matrix[user_row].indices
        if len(history) == 0:
            return "matches what shoppers like you describe"
        best = history[int(np.argmax(self.vectors[history] @ self.vectors[item]))]
        return f"similar to {self.data.item_names.get(self.data.items[best], self.data.items[best])}, which you chose"


class NeedAwareHybrid:
    """A collaborative base, re-ranked by needs: + items praised for what the user cares about, - items whose
    complaints hit it. ``score = rank-normalised base + weight * needs_u . aspects_i``."""

    name = "need_aware"

    def __init__(self, base: Recommender | None = None, weight: float = 0.6) -> None:
        self.base = base or EASE()
        self.weight = weight

    def fit(self, data: Data) -> "NeedAwareHybrid":
        self.data = data
        self.base.fit(data)
        self.needs = data.needs if data.needs is not None else self._needs_from_history(data)
        self.aspects = data.aspects if data.aspects is not None else np.zeros((len(data.items), 1))
        return self

    @staticmethod
    def _needs_from_history(data: Data) -> np.ndarray:
        """What a user cares about, when not given: the aspects of what they chose (positive parts), normalised."""
        if data.aspects is None:
            return np.zeros((len(data.users), 1))
        profile = np.asarray(data.matrix @ np.clip(np.abs(data.aspects), 0, None))
        return profile / np.maximum(profile.sum(axis=1, keepdims=True), 1e-9)

    def scores(self, user_rows: np.ndarray) -> np.ndarray:
        base = np.asarray(self.base.scores(user_rows), dtype=np.float64)
        low, high = base.min(axis=1, keepdims=True), base.max(axis=1, keepdims=True)
        base = (base - low) / np.maximum(high - low, 1e-12)
        return base + self.weight * (self.needs[user_rows] @ self.aspects.T)

    def explain(self, user_row: int, item: int) -> str:
        if self.data.aspect_names and self.needs.shape[1] == self.aspects.shape[1]:
            contribution = self.needs[user_row] * self.aspects[item]
            best = int(np.argmax(contribution))
            if contribution[best] > 0.02:
                return f"praised for {self.data.aspect_names[best]}, which you care about"
        return self.base.explain(user_row, item)


def default_models(data: Data) -> list[Recommender]:
    """Every algorithm that the data supports, in display order."""
    models: list[Recommender] = [Popularity(), ItemKNN(), EASE(), EASE(half_life=RECENCY_HALF_LIFE), ALS()]
    if data.item_vectors is not None:
        models.append(ContentBased())
    if data.aspects is not None:
        models.append(NeedAwareHybrid())
    return models


# --- evaluation ---------------------------------------------------------------------------------------------------

def temporal_split(frame: pd.DataFrame, test_fraction: float = 0.2, min_user: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per user, the latest ``test_fraction`` of interactions (by time) are test; users with fewer than
    ``min_user`` interactions stay wholly in train. Ties in time are broken by row order."""
    frame = frame.reset_index(drop=True).assign(_row=lambda f: np.arange(len(f)))
    frame = frame.sort_values(["user", "ts", "_row"], kind="stable")
    rank = frame.groupby("user").cumcount()
    size = frame.groupby("user")["item"].transform("size")
    n_test = np.where(size >= min_user, np.ceil(size * test_fraction), 0)
    test_mask = rank >= (size - n_test)
    return frame[~test_mask].drop(columns="_row"), frame[test_mask].drop(columns="_row")


def evaluate(models: list[Recommender], data: Data, test: pd.DataFrame, k: int = K) -> pd.DataFrame:
    """precision@k, recall@k, NDCG@k, MAP@k, catalogue coverage, intra-list diversity, novelty per model."""
    item_index = pd.Index(data.items)
    user_index = pd.Index(data.users)
    test = test[test["item"].isin(item_index) & test["user"].isin(user_index)]
    truth = test.groupby("user")["item"].apply(lambda s: set(item_index.get_indexer(s)))
    rows = user_index.get_indexer(truth.index)
    popularity = data.popularity()
    novelty_of = -np.log2(np.maximum(popularity, 1) / max(data.matrix.shape[0], 1))
    vectors = _diversity_vectors(data)
    results = []
    for model in models:
        model.fit(data)
        recs = top_k(model, data, rows, k)
        results.append({"model": model.name, **_metrics(recs, truth.tolist(), k, novelty_of, vectors, len(data.items))})
    return pd.DataFrame(results).set_index("model")


def _diversity_vectors(data: Data) -> np.ndarray:
    if data.item_vectors is not None:
        v = np.asarray(data.item_vectors, dtype=np.float32)
    else:  # co-occurrence profile: items chosen by the same users are similar
        v = data.matrix.T.tocsr().astype(np.float32)
        v = sparse.csr_matrix(v)
        from sklearn.decomposition import TruncatedSVD

        v = TruncatedSVD(min(32, max(2, min(v.shape) - 1)), random_state=0).fit_transform(v)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def _metrics(recs: np.ndarray, truth: list[set], k: int, novelty_of: np.ndarray, vectors: np.ndarray,
             n_items: int) -> dict:
    discounts = 1 / np.log2(np.arange(2, k + 2))
    precision, recall, ndcg, ap, diversity = [], [], [], [], []
    for rec, relevant in zip(recs, truth):
        hits = np.array([i in relevant for i in rec], dtype=float)
        precision.append(hits.sum() / k)
        recall.append(hits.sum() / len(relevant))
        ideal = discounts[: min(len(relevant), k)].sum()
        ndcg.append((hits * discounts).sum() / ideal)
        cumulative = np.cumsum(hits) / np.arange(1, k + 1)
        ap.append((cumulative * hits).sum() / min(len(relevant), k))
        v = vectors[rec]
        sim = v @ v.T
        diversity.append(1 - (sim.sum() - np.trace(sim)) / (k * (k - 1)))
    return {f"precision@{k}": float(np.mean(precision)), f"recall@{k}": float(np.mean(recall)),
            f"ndcg@{k}": float(np.mean(ndcg)), f"map@{k}": float(np.mean(ap)),
            "coverage": float(len(np.unique(recs)) / n_items), "diversity": float(np.mean(diversity)),
            "novelty": float(np.mean(novelty_of[recs]))}


def recommend_with_reasons(model: Recommender, data: Data, user, k: int = K) -> pd.DataFrame:
    """Top-k for one user id with the model's explanation of each item."""
    row = int(pd.Index(data.users).get_loc(user))
    items = top_k(model, data, np.array([row]), k)[0]
    return pd.DataFrame({"rank": np.arange(1, len(items) + 1),
                         "item": [data.item_names.get(data.items[i], data.items[i]) for i in items],
                         "why": [model.explain(row, int(i)) for i in items]})
