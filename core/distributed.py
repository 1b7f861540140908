"""The Ray Data engine: embedding and sentiment scoring run as ``map_batches`` over an actor pool on a Ray cluster
(GPU actors when the cluster has GPUs); everything else runs locally exactly as with the local engine.

    python -m core run --reviews FILE --engine ray [--ray-address ray://head:10001 | auto]

1. Locally: read and validate the file, split reviews into snippets (the same code as the local engine).
2. On Ray: the distinct snippets become a Ray Dataset; an actor pool (each actor loads the embedders and the
   sentiment model once) embeds and scores them in batches; the result is written as Parquet (text hash, route,
   vector, score) to a folder the driver can read (local disk for a local cluster; for a remote cluster pass a shared
   path or object-store URI with ``NEEDLENS_RAY_OUTPUT``).
3. Locally: DuckDB reads the Parquet into the workspace's embedding cache, and the normal pipeline runs with a
   sentiment model that looks the scores up, so themes, need types, keywords and the one-transaction save are the
   local engine's own code, and the results are the same.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Settings
from .errors import ModelError
from .text import text_hash

log = logging.getLogger("needlens.ray")


class _EmbedAndScore:
    """A Ray actor: the models are loaded once per actor, then every batch is embedded and scored."""

    def __init__(self, settings: Settings) -> None:
        from .embed import embedders_from_settings
        from .sentiment import load_sentiment_model

        self.embedders = embedders_from_settings(settings.embed)
        self.sentiment = load_sentiment_model(settings.sentiment.backend, self.embedders.get("zh"))

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        vectors = [None] * len(batch)
        scores = np.zeros(len(batch), dtype=np.float32)
        for route, group in batch.groupby("route", sort=True):
            positions = batch.index.get_indexer(group.index)
            embedded = self.embedders[route].embed(group["text"].tolist())
            scores[positions] = self.sentiment.score(group["text"].tolist(), group["lang"].tolist(), embedded)
            for p, v in zip(positions, embedded):
                vectors[p] = v.astype(np.float32).tolist()
        return pd.DataFrame({"text_hash": batch["text_hash"].to_numpy(), "route": batch["route"].to_numpy(),
                             "vector": vectors, "score": scores})


class PrecomputedSentiment:
    """A SentimentModel that returns the scores computed on the cluster (by text hash), falling back to a local
    model for any text it has not seen."""

    def __init__(self, scores: dict[str, float], fallback) -> None:
        self.scores, self.fallback = scores, fallback
        self.name = getattr(fallback, "name", "precomputed")
        for attribute in ("embedding_directions", "score_documents", "document_weights"):
            if hasattr(fallback, attribute):
                setattr(self, attribute, getattr(fallback, attribute))

    def score(self, texts: list[str], langs: list[str], vectors: np.ndarray | None) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        out = np.array([self.scores.get(h, np.nan) for h in hashes], dtype=np.float32)
        missing = np.isnan(out)
        if missing.any():
            idx = np.flatnonzero(missing)
            out[idx] = self.fallback.score([texts[i] for i in idx], [langs[i] for i in idx],
                                           None if vectors is None else vectors[idx])
        return out


def _actors(ray, requested: int | None) -> tuple[int, float]:
    resources = ray.cluster_resources()
    gpus = float(resources.get("GPU", 0))
    if gpus >= 1:
        return requested or int(gpus), 1.0
    return requested or max(1, int(resources.get("CPU", 1)) // 2), 0.0


def embed_and_score_on_ray(settings: Settings, snippets: pd.DataFrame, address: str | None = None,
                           output: str | Path | None = None, actors: int | None = None, batch_size: int = 256) -> Path:
    """Run stage 2 on Ray; returns the folder of Parquet files."""
    try:
        import ray
    except ImportError as exc:
        raise ModelError("the Ray engine needs Ray: pip install 'ray[data]'") from exc
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address or None, include_dashboard=False, log_to_driver=False,
                 **({} if address else {"num_cpus": max(2, os.cpu_count() or 2)}))
    try:
        count, gpus_per_actor = _actors(ray, actors)
        distinct = snippets.drop_duplicates("text_hash")[["text", "text_hash", "route", "lang"]].reset_index(drop=True)
        out = Path(output or os.environ.get("NEEDLENS_RAY_OUTPUT") or tempfile.mkdtemp(prefix="needlens_ray_"))
        dataset = ray.data.from_pandas(distinct).repartition(max(count * 2, 1))
        dataset.map_batches(_EmbedAndScore, fn_constructor_kwargs={"settings": settings}, batch_format="pandas",
                            batch_size=batch_size, concurrency=count, num_gpus=gpus_per_actor,
                            # half a CPU each: the actors must leave room for Ray Data's own read/write tasks, or a
                            # small cluster deadlocks with every CPU held by an idle actor
                            num_cpus=0 if gpus_per_actor else 0.5).write_parquet(str(out))
        log.info("ray: %d distinct snippets embedded and scored by %d actor(s) into %s", len(distinct), count, out)
        return out
    finally:
        if started_here:
            ray.shutdown()


def load_ray_output(store, embedders: dict, folder: Path) -> dict[str, float]:
    """Parquet from the cluster -> the workspace's embedding cache; returns text hash -> sentiment score."""
    frame = store.query_df(f"SELECT text_hash, route, vector, score FROM read_parquet('{Path(folder).as_posix()}/*.parquet')")
    for route, group in frame.groupby("route"):
        vectors = np.stack(group["vector"].map(lambda v: np.asarray(v, dtype=np.float32)).to_list())
        store.put_embeddings(embedders[route].name, group["text_hash"].tolist(), vectors)
    return dict(zip(frame["text_hash"], frame["score"].astype(float)))


def analyse_on_ray(settings: Settings, reviews, searches=None, progress=None, address: str | None = None,
                   actors: int | None = None):
    """The whole analysis with stage 2 on Ray; returns the local pipeline's RunReport."""
    from .embed import embedders_from_settings
    from .pipeline import Pipeline, _Clock
    from .sentiment import load_sentiment_model
    from .store import Store

    store = Store(settings.db_path)
    try:
        embedders = embedders_from_settings(settings.embed)
        local = Pipeline(settings, store, progress, embedders=embedders)
        run_id = store.start_run(f"{reviews.name} (ray: embedding)")
        clock = _Clock(progress, store, run_id)
        try:
            dataset = reviews.load(settings.max_upload_mb * 1024 * 1024)
            snippets = local._split_snippets(local._review_rows(dataset, 0), clock)
            folder = embed_and_score_on_ray(settings, snippets, address, actors=actors)
            scores = load_ray_output(store, embedders, folder)
        except BaseException as exc:
            store.finish_run(run_id, "failed", error=str(exc))
            raise
        store.finish_run(run_id, "done")
        fallback = load_sentiment_model(settings.sentiment.backend, embedders.get("zh"))
        pipeline = Pipeline(settings, store, progress, embedders=embedders,
                            sentiment=PrecomputedSentiment(scores, fallback))
        return pipeline.run(reviews, searches)
    finally:
        store.close()
