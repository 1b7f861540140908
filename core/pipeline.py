"""The recipe: files -> snippets -> embeddings -> themes -> sentiment -> keywords -> one transaction.

Each step is a named private method with one log line and its time. A progress callback receives
(stage, done, total, eta_seconds); the CLI draws it as a bar, the dashboard reads it back from the runs table.
Nothing is written to the analysis tables until every step has succeeded, so a failed or killed run leaves the
workspace as it was; only the embedding cache commits as it goes, so a re-run does not embed again.
"""
from __future__ import annotations

import json
import logging
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .chunks import TextColumn, best_match, normalise_rows, release_memory, route_positions, row_slices
from .config import ZH_MAP_SHIFT, Settings
from .embed import CachedEmbedder, Embedder, embedders_from_settings
from .errors import InputError, ModelError, NeedLensError
from .ingest import REVIEWS, SEARCHES, LoadedDataset, as_read_now, load_bytes, load_file
from .insights import served_scores
from .keywords import review_keyword_arrays
from .needs import (DEFAULT_TAXONOMY, OTHER, RequestDetector, assign_need_types, load_request_detector,
                    need_type_dims, taxonomy_from_frame)
from .sentiment import (DOCUMENT_WEIGHT, SentimentModel, labels_from_scores, load_sentiment_model, roll_up,
                        usable_titles, with_titles)
from .store import Store
from .text import detect_language, forget_zh_words, spelling_variants, split_snippets, text_hash
from .themes import IntentKMeans, cluster_means, find_themes, retone_general_opinions, theme_map

log = logging.getLogger("needlens.pipeline")
ProgressFn = Callable[[str, int, int, "float | None"], None]
STAGES = ("ingest", "snippets", "embed", "needs", "themes", "sentiment", "keywords", "reviews", "intents", "save")


@dataclass
class Source:
    """A file to analyse: a path on disk, or bytes uploaded in the browser."""

    name: str
    kind: str = REVIEWS
    path: Path | None = None
    data: bytes | None = None
    overrides: dict[str, str | None] = field(default_factory=dict)

    def load(self, max_bytes: int | None = None) -> LoadedDataset:
        if self.data is not None:
            return load_bytes(self.data, self.name, self.kind, self.overrides)
        return load_file(self.path, self.kind, self.overrides, max_bytes)


@dataclass
class RunReport:
    run_id: int
    dataset_ids: list[int]
    stage_seconds: dict[str, float]
    embed_cache_hits: int = 0
    embed_cache_misses: int = 0


class _Clock:
    """Times stages and throttles progress events (at most ~4 a second, always the last one)."""

    def __init__(self, callback: ProgressFn | None, store: Store, run_id: int) -> None:
        self.callback, self.store, self.run_id = callback, store, run_id
        self.seconds: dict[str, float] = {}
        self._stage, self._started, self._last_emit = "", 0.0, 0.0

    def begin(self, stage: str) -> None:
        self._stage, self._started = stage, time.perf_counter()
        self.tick(0, 1, force=True)

    def tick(self, done: int, total: int, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_emit < 0.25 and done < total:
            return
        self._last_emit = now
        elapsed = now - self._started
        eta = elapsed / done * (total - done) if done and total else None
        self.store.update_run(self.run_id, stage=self._stage, done=int(done), total=int(total), eta_s=eta)
        if self.callback:
            self.callback(self._stage, done, total, eta)

    def end(self) -> None:
        self.seconds[self._stage] = round(time.perf_counter() - self._started, 3)
        release_memory()  # the next stage starts from what is live, not from this one's freed temporaries
        log.info("stage %-9s %7.2fs", self._stage, self.seconds[self._stage])


class ReviewTexts:
    """Each review's snippets joined, built only for the slice of reviews being read (keywords read 100k at a time),
    so a million reviews' texts never exist as Python strings at once."""

    def __init__(self, texts: pd.Series, positions: np.ndarray, codes: np.ndarray, n: int) -> None:
        order = np.argsort(codes, kind="stable")  # snippets of review 0, then review 1, ... in their own order
        self._texts, self._rows = texts, positions[order]  # rows of ``texts``; nothing is copied until read
        self._bounds = np.searchsorted(codes[order], np.arange(n + 1))
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, key: slice) -> list[str]:
        start, stop, _ = key.indices(self._n)
        bounds = self._bounds[start:stop + 1]
        parts = self._texts.iloc[self._rows[bounds[0]:bounds[-1]]].tolist() if len(bounds) else []
        offsets = bounds - bounds[0] if len(bounds) else bounds
        return [" ".join(parts[a:b]) for a, b in zip(offsets[:-1], offsets[1:])]


def server_stopping() -> bool:
    """True once the interpreter is shutting down (the main thread has finished: a stopped server). Thread pools
    refuse work from the moment threading's shutdown begins, before the main thread is marked finished: a run in that
    window was reported failed ("cannot schedule new futures after interpreter shutdown", tests/app/test_load.py once
    in three runs), so threading's own shutting-down flag counts too."""
    return (sys.is_finalizing() or bool(getattr(threading, "_SHUTTING_DOWN", False))
            or not threading.main_thread().is_alive())


def main_themes(review_no: np.ndarray, theme_id: np.ndarray, similarity: np.ndarray, n_reviews: int) -> pd.arrays.IntegerArray:
    """Each review's main theme: the theme most of its snippets belong to, ties to the closest snippet's theme;
    NA for a review without an assigned snippet (theme_id -1). Integer sorts, no per-group Python work."""
    assigned = theme_id >= 0
    base = int(theme_id.max(initial=0)) + 1
    pairs, inverse = np.unique(review_no[assigned] * base + theme_id[assigned], return_inverse=True)
    size = np.bincount(inverse, minlength=len(pairs))
    closest = np.full(len(pairs), -np.inf)
    np.maximum.at(closest, inverse, similarity[assigned])
    pair_review, pair_theme = pairs // base, pairs % base
    order = np.lexsort((-closest, -size, pair_review))  # per review: most snippets first, then the closest
    first = order[np.r_[True, pair_review[order][1:] != pair_review[order][:-1]]] if len(order) else order
    out = np.full(n_reviews, -1, dtype=np.int64)
    out[pair_review[first]] = pair_theme[first]
    return pd.arrays.IntegerArray(np.maximum(out, 0).astype(np.int32), out < 0)


def _set_themes(snippets: pd.DataFrame, theme_ids: np.ndarray, similarity: np.ndarray) -> None:
    """theme_id (nullable: -1 = unassigned) and theme_similarity columns, set once."""
    snippets["theme_id"] = pd.array(np.where(theme_ids >= 0, theme_ids, 0), dtype="Int32")
    snippets.loc[theme_ids < 0, "theme_id"] = pd.NA
    snippets["theme_similarity"] = similarity


def theme_count_rows(counts: list[dict]) -> pd.DataFrame:
    """theme_counts rows from cluster_route's counts: the count asked as a nullable integer, the lists as lists."""
    columns = ["dataset_id", "lang", "themes", "chosen", "asked", "tried", "as_good", "low", "high"]
    frame = pd.DataFrame([{**c, "tried": list(c["tried"]), "as_good": list(c["as_good"])} for c in counts],
                         columns=columns)
    for column in ("themes", "chosen", "asked"):
        frame[column] = pd.array(frame[column], dtype="Int32")
    return frame


class Pipeline:
    """Runs an analysis over one review file (and optionally one search file) into a workspace."""

    def __init__(self, settings: Settings, store: Store, progress: ProgressFn | None = None,
                 embedders: dict[str, Embedder] | None = None, sentiment: SentimentModel | None = None) -> None:
        self.settings = settings
        self.store = store
        self.progress = progress
        self._embedders = embedders
        self._sentiment = sentiment
        self._requests: RequestDetector | None = None

    def run(self, reviews: Source | None, searches: Source | None = None, run_id: int | None = None) -> RunReport:
        """Analyse the sources; on any error the run is marked failed and the workspace keeps its last analysis."""
        run_id = run_id or self.store.start_run(", ".join(s.name for s in (reviews, searches) if s))
        clock = _Clock(self.progress, self.store, run_id)
        try:
            report = self._run(reviews, searches, run_id, clock)
        except BaseException as exc:
            self._finish_after_error(run_id, exc, clock)
            raise
        finally:
            forget_zh_words()
        return report

    def _finish_after_error(self, run_id: int, exc: BaseException, clock: "_Clock") -> None:
        """A run that raised is failed, with its message; one cut short because the process is shutting down (the
        server was stopped: the clause classifier's thread pool, ONNX Runtime and the like refuse work then) is
        interrupted, as a run left behind by a killed process is marked when the workspace is reopened."""
        if server_stopping():
            status, message = "interrupted", "the app was stopped during the run"
        else:
            status = "failed"
            message = str(exc) if isinstance(exc, NeedLensError) else f"{type(exc).__name__}: {exc}"
        try:
            self.store.finish_run(run_id, status, error=message, stage_seconds=clock.seconds)
        except NeedLensError as write_error:  # the disk is full, say: the run's own error is the one to raise
            log.warning("run %s: its %s status could not be written (%s); the workspace marks it interrupted "
                        "when next opened", run_id, status, write_error)

    def _run(self, reviews: Source | None, searches: Source | None, run_id: int, clock: _Clock) -> RunReport:
        # 1. Files -> validated rows (rejects kept with reasons).
        clock.begin("ingest")
        loaded = [s.load(self.settings.max_upload_mb * 1024 * 1024) for s in (reviews, searches) if s is not None]
        fresh_ids = iter(range(self.store.next_dataset_id(), 10**9))
        metas = [self._dataset_meta(d, fresh_ids) for d in loaded]
        self.store.update_run(run_id, dataset_id=metas[0]["dataset_id"])
        clock.end()
        tables: dict[str, list[pd.DataFrame]] = {}
        cache_stats = [0, 0]
        # Reviews first: search intents are matched to the review themes found in the same run.
        for dataset, meta in sorted(zip(loaded, metas), key=lambda pair: pair[0].kind != REVIEWS):
            dataset_id = meta["dataset_id"]
            self._add(tables, "rejects", dataset.rejects.assign(dataset_id=dataset_id))
            if dataset.kind == SEARCHES:
                themes = pd.concat(tables["themes"]) if tables.get("themes") else self.store.theme_centroids()
                for name, frame in self._analyse_searches(dataset, dataset_id, themes, clock).items():
                    self._add(tables, name, frame)
                continue
            for name, frame in self._analyse_reviews(dataset, dataset_id, clock, cache_stats).items():
                self._add(tables, name, frame)
            dataset.rows = dataset.rows.iloc[:0]  # the analysis tables hold what is saved; free the raw copy early
        # 7. One transaction: the previous analysis of these datasets is replaced, or nothing changes.
        clock.begin("save")
        merged = {name: pd.concat(frames, ignore_index=True) for name, frames in tables.items()}
        self.store.write_analysis(metas, merged, run_id, clock.seconds)
        clock.end()
        self.store.update_run(run_id, stage_seconds=clock.seconds)  # the save stage's own time, after commit
        log.info("run %d done: %s", run_id, clock.seconds)
        return RunReport(run_id, [m["dataset_id"] for m in metas], clock.seconds, *cache_stats)

    # --- incremental: new reviews into an analysed dataset, existing themes kept -------------------------------

    def append(self, dataset_id: int, reviews: Source, run_id: int | None = None) -> RunReport:
        """Add a file's new reviews to an analysed review dataset without re-clustering.

        Reviews whose id is already in the dataset are skipped; new snippets are embedded (cache first), assigned to
        the dataset's existing themes by centroid similarity (theme ids and the PM's renames, merges and hides are
        untouched), scored, typed and keyworded; everything is added in one transaction. Re-clustering is the
        separate, explicit ``core.recluster`` action."""
        run_id = run_id or self.store.start_run(f"{reviews.name} (added to dataset {dataset_id})", dataset_id)
        clock = _Clock(self.progress, self.store, run_id)
        try:
            return self._append(dataset_id, reviews, run_id, clock)
        except BaseException as exc:
            self._finish_after_error(run_id, exc, clock)
            raise

    def _append(self, dataset_id: int, source: Source, run_id: int, clock: _Clock) -> RunReport:
        state = self.store.append_state(dataset_id)
        if state is None:
            raise InputError(f"dataset {dataset_id} is not an analysed review dataset in this workspace")
        clock.begin("ingest")
        dataset = source.load(self.settings.max_upload_mb * 1024 * 1024)
        reviews = self._review_rows(dataset, dataset_id)
        if "id" in dataset.column_map:  # the file has review ids: they say what is already there
            known = reviews["review_id"].isin(state["review_ids"])
        else:  # no ids (row numbers stand in): a review is known when the same text is already in the dataset
            # as read now: a review stored before cut reviews and HTML entities were read is known all the same
            known = reviews["text"].isin(as_read_now(state["texts"], reviews["text"]))
        reviews = reviews[~known].reset_index(drop=True)
        reviews["row_no"] = reviews["row_no"] + state["max_row_no"] + 1
        if "id" not in dataset.column_map:
            reviews["review_id"] = reviews["row_no"].astype(str)  # row numbers continue the dataset's own
        rejects = dataset.rejects.assign(dataset_id=dataset_id, row_no=dataset.rejects["row_no"] + state["max_row_no"] + 1)
        clock.end()
        cache_stats = [0, 0]
        tables: dict[str, pd.DataFrame] = {"rejects": rejects}
        if len(reviews):
            snippets = self._split_snippets(reviews, clock)
            snippets["snippet_id"] += state["max_snippet_id"] + 1
            vectors = self._extract_embeddings(snippets, clock, cache_stats)
            self._assign_to_themes(snippets, vectors, state["centroids"], clock)
            sentiment = self._score_sentiment(snippets, vectors, dataset_id, clock)
            self._classify_needs(snippets, vectors, clock)
            keywords = self._extract_keywords(reviews, snippets, vectors, dataset_id, clock)
            reviews = self._roll_up(reviews, snippets, sentiment, clock)
            tables.update(reviews=reviews, snippets=snippets.drop(columns=["route", "review_no"]), sentiment=sentiment,
                          keywords=keywords)
        clock.begin("save")
        counts = {"input_rows": dataset.input_rows, "loaded_rows": len(reviews), "rejected_rows": len(dataset.rejects),
                  "skipped_known": int(known.sum())}
        self.store.append_analysis(dataset_id, tables, counts, run_id, clock.seconds, theme_ids=state["theme_ids"])
        clock.end()
        self.store.update_run(run_id, stage_seconds=clock.seconds)
        log.info("run %d appended %d reviews to dataset %d (%d already there)", run_id, len(reviews), dataset_id,
                 counts["skipped_known"])
        return RunReport(run_id, [dataset_id], clock.seconds, *cache_stats)

    def _assign_to_themes(self, snippets: pd.DataFrame, vectors: dict[str, np.ndarray], centroids: pd.DataFrame,
                          clock: _Clock) -> None:
        # 4'. Nearest existing theme of the same language route, when similar enough; otherwise unassigned.
        clock.begin("themes")
        theme_ids = np.full(len(snippets), -1, dtype=np.int64)
        similarity = np.zeros(len(snippets), dtype=np.float32)
        for route, positions in route_positions(snippets):
            known = centroids[centroids["lang"] == route]
            if known.empty:
                continue
            model = self.embedders()[route].name
            if not known["model"].isin([model]).all():  # NULL: computed before themes recorded their model
                other = ", ".join(sorted(set(known["model"].dropna()) - {model})) or "an earlier embedding model"
                raise InputError(
                    f"this dataset's {route} themes were computed with {other}; NeedLens now embeds {route} text with "
                    f"{model}, so new reviews cannot be compared with them. Analyse the whole file again as a new run "
                    f"(or set the model back) instead of adding to the dataset")
            matrix = np.stack(known["centroid"].map(lambda c: np.asarray(c, dtype=np.float32)).to_list())
            best, score = best_match(vectors[route], matrix)
            ok = score >= self.settings.themes.assign_min_similarity
            similarity[positions] = score
            theme_ids[positions] = np.where(ok, known["theme_id"].to_numpy()[best], -1)
        _set_themes(snippets, theme_ids, similarity)
        clock.tick(len(snippets), len(snippets), force=True)
        clock.end()

    @staticmethod
    def _add(tables: dict[str, list[pd.DataFrame]], name: str, frame: pd.DataFrame) -> None:
        tables.setdefault(name, []).append(frame)

    def _dataset_meta(self, dataset: LoadedDataset, fresh_ids) -> dict:
        # The same file (by content hash) keeps its dataset id: a re-run replaces, never duplicates.
        existing = self.store.dataset_by_hash(dataset.content_hash, dataset.kind)
        return {"dataset_id": existing or next(fresh_ids), "name": dataset.name, "kind": dataset.kind,
                "content_hash": dataset.content_hash, "file_format": dataset.file_format,
                "encoding": dataset.encoding, "column_map": json.dumps(dataset.column_map, ensure_ascii=False),
                "input_rows": dataset.input_rows, "loaded_rows": len(dataset.rows),
                "rejected_rows": len(dataset.rejects), "created_at": datetime.now(), "analysed_at": datetime.now()}

    # --- review analysis -----------------------------------------------------------------------------------------

    def _analyse_reviews(self, dataset: LoadedDataset, dataset_id: int, clock: _Clock, cache_stats: list[int]) -> dict:
        reviews = self._review_rows(dataset, dataset_id)
        snippets = self._split_snippets(reviews, clock)
        vectors = self._extract_embeddings(snippets, clock, cache_stats)
        self._classify_needs(snippets, vectors, clock)  # before themes: Chinese themes are clustered within need types
        themes, counts = self._extract_themes(snippets, vectors, dataset_id, clock)
        sentiment = self._score_sentiment(snippets, vectors, dataset_id, clock)
        if len(themes):  # a general opinion's tone from its scored snippets, not its words
            themes["label"] = retone_general_opinions(themes["label"].tolist(),
                                                      snippets["theme_id"].fillna(-1).to_numpy(dtype=np.int64),
                                                      sentiment["label"].to_numpy(), themes["theme_id"].tolist())
        keywords = self._extract_keywords(reviews, snippets, vectors, dataset_id, clock)
        reviews = self._roll_up(reviews, snippets, sentiment, clock)
        snippets = snippets.drop(columns=["route", "review_no"])
        return {"reviews": reviews, "snippets": snippets, "themes": themes, "sentiment": sentiment,
                "keywords": keywords, "theme_counts": counts}

    @staticmethod
    def _review_rows(dataset: LoadedDataset, dataset_id: int) -> pd.DataFrame:
        rows = dataset.rows.rename(columns={"source_id": "review_id"})
        rows = rows.assign(dataset_id=dataset_id, lang=rows["text"].map(detect_language))
        columns = ["dataset_id", "review_id", "row_no", "text", "title", "rating", "product", "category", "date",
                   "user_id", "lang"]
        return rows[columns]

    def _split_snippets(self, reviews: pd.DataFrame, clock: _Clock) -> pd.DataFrame:
        # 2. Reviews -> sentence/clause snippets: the unit for themes and sentiment.
        clock.begin("snippets")
        review_no, positions, texts = [], [], []  # columns, not a tuple per snippet
        for number, (text, lang) in enumerate(zip(reviews.text, reviews.lang)):
            for position, snippet in enumerate(split_snippets(text, lang)):
                review_no.append(number)
                positions.append(position)
                texts.append(snippet)
        review_no = np.asarray(review_no, dtype=np.int64)
        snippets = pd.DataFrame({"review_id": reviews["review_id"].array.take(review_no),
                                 "position": np.asarray(positions, dtype=np.int64), "text": texts})
        del positions, texts
        snippets["lang"] = snippets["text"].map(detect_language)
        # A snippet inherits its review's language when its own is unclear (e.g. "5 stars!!").
        unclear = (snippets["lang"] == "other").to_numpy()
        snippets.loc[unclear, "lang"] = reviews["lang"].to_numpy()[review_no[unclear]]
        # the row of each snippet's review in ``reviews``: integer keys for the per-review steps (dropped on save)
        snippets["review_no"] = review_no
        snippets["route"] = np.where(snippets["lang"] == "zh", "zh", "en")
        snippets["text_hash"] = snippets["text"].map(text_hash)
        snippets.insert(0, "snippet_id", np.arange(len(snippets), dtype=np.int64))
        snippets.insert(0, "dataset_id", int(reviews.dataset_id.iloc[0]) if len(reviews) else 0)
        clock.tick(len(snippets), len(snippets), force=True)
        clock.end()
        return snippets

    def embedders(self) -> dict[str, Embedder]:
        if self._embedders is None:
            self._embedders = embedders_from_settings(self.settings.embed)
        return self._embedders

    def cached(self, route: str) -> CachedEmbedder:
        return CachedEmbedder(self.embedders()[route], self.store)

    def _extract_embeddings(self, snippets: pd.DataFrame, clock: _Clock, cache_stats: list[int]) -> dict[str, np.ndarray]:
        # 3. Snippets -> vectors, per language route; identical texts are embedded once, ever.
        clock.begin("embed")
        vectors: dict[str, np.ndarray] = {}
        total = len(snippets)
        done_before = 0
        for route, positions in route_positions(snippets):
            embedder = self.cached(route)
            offset, size = done_before, len(positions)
            compact = size > self.settings.embed.compact_above
            vectors[route] = embedder.embed(snippets["text"].iloc[positions],
                                            progress=lambda d, t, o=offset, g=size: clock.tick(o + int(d / max(t, 1) * g), total),
                                            dtype=np.float16 if compact else np.float32,
                                            hashes=snippets["text_hash"].iloc[positions])
            cache_stats[0] += embedder.hits
            cache_stats[1] += embedder.misses
            done_before += size
        clock.tick(total, total, force=True)
        clock.end()
        return vectors

    def _extract_themes(self, snippets: pd.DataFrame, vectors: dict[str, np.ndarray], dataset_id: int,
                        clock: _Clock) -> tuple[pd.DataFrame, pd.DataFrame]:
        # 4. Vectors -> need themes per language, labelled in that language; and how each language's number of themes
        # was chosen (theme_counts rows).
        clock.begin("themes")
        records, next_id, counts = [], 1, []
        theme_ids = np.full(len(snippets), -1, dtype=np.int64)
        similarity = np.zeros(len(snippets), dtype=np.float32)
        for route, positions in route_positions(snippets):
            if self.stray_route(len(positions), len(snippets)):
                continue
            ids, similarity[positions], themes, count = self.cluster_route(
                TextColumn(snippets["text"].iloc[positions]), vectors[route], route, dataset_id, next_id,
                snippets["need_type"].to_numpy()[positions])
            theme_ids[positions] = ids
            records.extend(themes)
            counts.append(count)
            next_id += len(themes)
            clock.tick(next_id, next_id)
        _set_themes(snippets, theme_ids, similarity)
        clock.end()
        return pd.DataFrame(records), theme_count_rows(counts)

    def sentiment_model(self) -> SentimentModel:
        if self._sentiment is None:
            self._sentiment = load_sentiment_model(self.settings.sentiment.backend, self.embedders().get("zh"),
                                                   getattr(self.embedders()["en"], "device", "cpu"))
        return self._sentiment

    def request_detector(self) -> RequestDetector:
        if self._requests is None:
            self._requests = load_request_detector(self.settings.requests)
        return self._requests

    def _score_sentiment(self, snippets: pd.DataFrame, vectors: dict[str, np.ndarray], dataset_id: int,
                         clock: _Clock) -> pd.DataFrame:
        # 5. Snippet sentiment in [-1, 1] (English: the clause classifier; the heads read the vectors already
        # computed). A chunk of texts at a time, never millions of strings, with progress after each: the English
        # classifier is a transformer pass as long as the embedding one.
        clock.begin("sentiment")
        scores = np.zeros(len(snippets), dtype=np.float32)
        done = 0
        for route, positions in route_positions(snippets):
            for rows in row_slices(len(positions), 10_000):
                part = positions[rows]
                scores[part] = self.sentiment_model().score(snippets["text"].iloc[part].tolist(),
                                                            snippets["lang"].iloc[part].tolist(), vectors[route][rows])
                done += len(part)
                clock.tick(done, len(snippets))
        band = self.settings.sentiment.neutral_band
        clock.tick(len(snippets), len(snippets), force=True)
        clock.end()
        return pd.DataFrame({"dataset_id": dataset_id, "snippet_id": snippets["snippet_id"].to_numpy(),
                             "label": labels_from_scores(scores, band), "score": scores})

    def stray_route(self, route_snippets: int, all_snippets: int) -> bool:
        """Whether a language route has too small a sliver of the dataset's snippets for themes of its own
        (ThemeSettings.stray_snippets / stray_share); its snippets stay unassigned."""
        settings = self.settings.themes
        return route_snippets < settings.stray_snippets and route_snippets < settings.stray_share * all_snippets

    def cluster_route(self, texts: list[str], vectors: np.ndarray, route: str, dataset_id: int,
                      first_id: int, need_types: np.ndarray | None = None, clusterer=None,
                      settings=None) -> tuple[np.ndarray, np.ndarray, list[dict], dict]:
        """Need themes of one language route: (theme id per snippet, -1 when unassigned; similarity; theme rows
        numbered from first_id; how their number was chosen, a theme_counts row). Shared by a full analysis,
        re-clustering and splitting a theme (which passes its own clusterer and theme settings). need_types: the
        snippets' need types (ThemeSettings.types_apart_*)."""
        result = find_themes(texts, vectors, route, self.cached(route).embed, settings or self.settings.themes,
                             clusterer=clusterer, ignore_directions=self._sentiment_directions(route, vectors),
                             need_types=need_types, untyped=OTHER)
        ids = np.where(result.assignment >= 0, result.assignment + first_id, -1)
        records = []
        if result.themes:
            xy = theme_map(np.stack([t["centroid"] for t in result.themes]), self.settings.themes.seed)
            xy[:, 0] += ZH_MAP_SHIFT * (route == "zh")  # the two languages' maps side by side, not mixed
            for theme, (x, y) in zip(result.themes, xy):
                records.append({"dataset_id": dataset_id, "theme_id": theme["index"] + first_id, "lang": route,
                                "label": theme["label"], "keywords": theme["keywords"], "size": theme["size"],
                                "x": float(x), "y": float(y), "representatives": theme["representatives"],
                                "centroid": theme["centroid"].astype(float).tolist(),
                                "model": self.embedders()[route].name, "stability": theme.get("stability")})
        count = {"dataset_id": dataset_id, "lang": route, "themes": len(records), **result.count}
        return ids, result.similarity, records, count

    def _sentiment_directions(self, route: str, vectors: np.ndarray) -> np.ndarray | None:
        if not self.settings.themes.ignore_sentiment:
            return None
        directions = getattr(self.sentiment_model(), "embedding_directions", None)
        return directions(route, vectors.shape[1]) if directions else None

    def _classify_needs(self, snippets: pd.DataFrame, vectors: dict[str, np.ndarray], clock: _Clock) -> None:
        # 3b. Need type per snippet (zero-shot from the taxonomy) and feature-request flag; no re-embedding. Before
        # the themes, which cluster Chinese snippets within their need types.
        clock.begin("needs")
        need_types = np.full(len(snippets), OTHER, dtype=object)
        for route, positions in route_positions(snippets):
            texts = snippets["text"].iloc[positions].tolist()
            cached = self.cached(route)
            need_types[positions], _ = assign_need_types(vectors[route], route, self.taxonomy(), cached.embed,
                                                         texts=texts, dims=need_type_dims(cached))
        snippets["need_type"] = need_types
        detector = self.request_detector()
        snippets["is_request"] = np.concatenate(
            [detector.flags(snippets["text"].iloc[rows].tolist()) for rows in row_slices(len(snippets))]
            or [np.zeros(0, dtype=bool)]).astype(bool)
        clock.tick(len(snippets), len(snippets), force=True)
        clock.end()

    def taxonomy(self) -> tuple:
        stored = self.store.taxonomy()
        return DEFAULT_TAXONOMY if stored is None else taxonomy_from_frame(stored)

    def _extract_keywords(self, reviews: pd.DataFrame, snippets: pd.DataFrame, vectors: dict[str, np.ndarray],
                          dataset_id: int, clock: _Clock) -> pd.DataFrame:
        # 6. Keywords per review: KeyBERT + MMR on review vectors = mean of snippet vectors (no re-embedding).
        clock.begin("keywords")
        parts = []
        for route, positions in route_positions(snippets):
            route_vectors = vectors[route]
            codes, numbers = pd.factorize(snippets["review_no"].to_numpy()[positions])  # ints: no string hashing
            review_ids = reviews["review_id"].iloc[numbers].reset_index(drop=True)
            doc_vectors = normalise_rows(cluster_means(route_vectors, codes, len(review_ids), route_vectors.dtype))
            texts = ReviewTexts(snippets["text"], positions, codes, len(review_ids))
            terms, scores, vocabulary = review_keyword_arrays(texts, doc_vectors, route, self.cached(route).embed,
                                                              self.settings.keywords_per_review)
            del texts, doc_vectors
            doc, rank = np.nonzero(terms >= 0)  # row-major: each review's keywords in rank order
            parts.append(pd.DataFrame({  # string columns taken by index (Arrow), no per-keyword Python objects
                "dataset_id": dataset_id, "review_id": review_ids.array.take(doc), "rank": rank + 1,
                "keyword": pd.Series(vocabulary, dtype="str").array.take(terms[doc, rank]),
                "score": np.round(scores[doc, rank].astype(np.float64), 4)}))
            del doc, rank, terms, scores
        clock.tick(len(reviews), len(reviews), force=True)
        clock.end()
        if not parts:
            return pd.DataFrame(columns=["dataset_id", "review_id", "rank", "keyword", "score"])
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def _roll_up(self, reviews: pd.DataFrame, snippets: pd.DataFrame, sentiment: pd.DataFrame,
                 clock: _Clock) -> pd.DataFrame:
        # 7. Review sentiment: the snippets' mean, blended with a whole-review score where the model has one (the
        # Chinese head; English: a transformer pass over the reviews of several snippets, hence a stage of its own
        # with progress). Per-review steps are keyed by the review's row number (integers), not by string ids.
        clock.begin("reviews")
        per_snippet = pd.DataFrame({"review_id": snippets["review_no"].to_numpy(), "score": sentiment["score"].to_numpy()})
        model = self.sentiment_model()
        documents, weights = None, DOCUMENT_WEIGHT
        if hasattr(model, "score_documents"):  # a chunk of reviews at a time: no million-string list
            parts = []
            for rows in row_slices(len(reviews), 5_000):
                parts.append(model.score_documents(reviews["text"].iloc[rows].astype(str).tolist(),
                                                   reviews["lang"].iloc[rows].tolist()))
                clock.tick(rows.stop, len(reviews))
            documents = pd.Series(np.concatenate(parts or [np.zeros(0)]))
            if hasattr(model, "document_weights"):
                weights = pd.Series(model.document_weights(reviews["lang"].tolist()))
        titles = self._title_scores(reviews, model)
        if titles is not None:  # a review's title counts as one more of its statements (sentiment.with_titles)
            counts = np.bincount(per_snippet["review_id"].to_numpy(), minlength=len(reviews))
            documents, weights = with_titles(documents, weights, titles, counts)
        review_sentiment = roll_up(per_snippet, self.settings.sentiment.neutral_band, documents,
                                   weights).set_index("review_id")
        kept = {}  # stored, so that calibration re-rolls the reviews the same way (Store.review_documents)
        if documents is not None:
            present = documents.notna().to_numpy()
            kept = {"document_score": documents.to_numpy(dtype=np.float32),
                    "document_weight": np.where(present, weights.to_numpy() if isinstance(weights, pd.Series) else weights,
                                                np.nan).astype(np.float32)}
        del documents, per_snippet
        # columns looked up by row number (a merge would copy the whole review frame, texts included, twice)
        rows = np.arange(len(reviews))
        reviews = reviews.assign(**kept, sentiment_score=review_sentiment["score"].reindex(rows).array,
                                 sentiment=review_sentiment["label"].reindex(rows).array,
                                 mixed=review_sentiment["mixed"].reindex(rows).array,
                                 theme_id=main_themes(snippets["review_no"].to_numpy(),
                                                      snippets["theme_id"].fillna(-1).to_numpy(dtype=np.int64),
                                                      snippets["theme_similarity"].to_numpy(), len(reviews)))
        clock.tick(len(reviews), len(reviews), force=True)
        clock.end()
        return reviews

    def _title_scores(self, reviews: pd.DataFrame, model: SentimentModel) -> np.ndarray | None:
        """Each review's title scored as a snippet is (NaN where it has none, or only a marketplace's "Five Stars");
        None when no review has one. Each distinct title once, in its review's language route."""
        if "title" not in reviews.columns:
            return None
        usable = usable_titles(reviews["title"])
        if not usable.any():
            return None
        out = np.full(len(reviews), np.nan, dtype=np.float64)
        titles = reviews["title"].to_numpy(dtype=object)
        routes = np.where(reviews["lang"].to_numpy(dtype=object) == "zh", "zh", "en")
        for route in ("en", "zh"):
            rows = np.flatnonzero(usable & (routes == route))
            if not len(rows):
                continue
            distinct, codes = np.unique(titles[rows].astype(str), return_inverse=True)
            texts = distinct.tolist()
            try:  # the bundled clause classifier reads text; a model on the embeddings needs their vectors
                scores = model.score(texts, [route] * len(texts), None)
            except ModelError:
                scores = model.score(texts, [route] * len(texts), self.cached(route).embed(texts))
            out[rows] = np.asarray(scores, dtype=np.float64)[codes]
        return out

    # --- search analysis ---------------------------------------------------------------------------------------

    def _analyse_searches(self, dataset: LoadedDataset, dataset_id: int, themes: pd.DataFrame, clock: _Clock) -> dict:
        # Queries -> intents (clusters of distinct queries), each matched to the closest review theme.
        clock.begin("intents")
        rows = dataset.rows.rename(columns={"source_id": "search_id"})
        rows = rows[["search_id", "row_no", "query", "date", "user_id", "result_count", "clicked", "result", "relevance"]]
        rows = rows.assign(dataset_id=dataset_id, intent_id=pd.array([pd.NA] * len(rows), dtype="Int32"))
        keys = rows["query"].str.lower().str.strip()
        counts = keys.value_counts()
        # a rare misspelling joins the intent of the query it misspells: the Chinese character model put "蓝牙耳",
        # "蓝牙机" and "蓝耳机" in an intent of their own, apart from "蓝牙耳机" (thirty-ninth session, the demo)
        misspelt = spelling_variants(counts.to_dict())
        unique = pd.Series(keys.unique())
        routes = np.where(unique.map(detect_language) == "zh", "zh", "en")
        misspelt = {v: q for v, q in misspelt.items() if detect_language(v) == detect_language(q)}
        variants_of: dict[str, list[str]] = {}
        for variant, query in misspelt.items():
            variants_of.setdefault(query, []).append(variant)
        query_vectors: dict[str, np.ndarray] = {}
        need_type_of: dict[str, str] = {}  # a query's need type, as a snippet's ("cheap smartwatch": price/value)
        settings = replace(self.settings.themes, min_themes=2, max_themes=60, min_snippets_per_theme=3,
                           assign_min_similarity=0.0)
        records, next_id, intent_of = [], 1, {}
        for route in sorted(set(routes)):
            queries = unique[routes == route].tolist()
            vectors = self.cached(route).embed(queries)
            query_vectors.update(zip(queries, vectors))
            types, _ = assign_need_types(vectors, route, self.taxonomy(), self.cached(route).embed, texts=queries,
                                         dims=need_type_dims(self.cached(route)))
            need_type_of.update(zip(queries, types))
            grouped = [i for i, q in enumerate(queries) if q not in misspelt]  # the misspellings follow their query
            result = find_themes([queries[i] for i in grouped], vectors[grouped], route, self.cached(route).embed,
                                 settings, clusterer=IntentKMeans(settings.min_themes, settings.max_themes, settings.seed),
                                 stability=False)
            matches = (_match_themes(np.stack([t["centroid"] for t in result.themes]), themes, route,
                                     self.embedders()[route].name) if result.themes else [])
            for theme, match in zip(result.themes, matches):
                members = [queries[i] for i, a in zip(grouped, result.assignment) if a == theme["index"]]
                searched = members + [v for q in members for v in variants_of.get(q, ())]
                intent_of.update({q: theme["index"] + next_id for q in searched})
                records.append({"dataset_id": dataset_id, "intent_id": theme["index"] + next_id, "lang": route,
                                "label": theme["label"], "keywords": theme["keywords"],
                                "queries": int(counts.reindex(searched).sum()), "x": 0.0, "y": 0.0,
                                "examples": sorted(members, key=lambda q: -counts[q])[:5], **match})
            next_id += len(result.themes)
        rows["intent_id"] = pd.array(keys.map(intent_of).tolist(), dtype="Int32")
        rows["need_type"] = keys.map(need_type_of).fillna(OTHER)
        rows["title_match"] = self._title_match(rows, keys, dict(zip(unique, routes)), query_vectors)
        rows["served"] = served_scores(rows["result_count"], rows["clicked"], rows["relevance"], rows["title_match"])
        clock.tick(len(rows), len(rows), force=True)
        clock.end()
        return {"searches": rows, "intents": pd.DataFrame(records)}

    def _title_match(self, rows: pd.DataFrame, keys: pd.Series, route_of: dict[str, str],
                     query_vectors: dict[str, np.ndarray]) -> pd.Series:
        """Cosine between each search's query and the title of the product it led to (the clicked product's, else
        the one the file says it returned), in the query's embedding space; NaN where the row names no product
        (a yes/no click column holds no title) or the title is in the other language route."""
        clicked = rows["clicked"].fillna("").astype(str)
        titles = clicked.where((clicked != "") & (clicked != "1"), rows["result"].fillna("").astype(str))
        out = pd.Series(np.nan, index=rows.index, dtype="float64")
        has = titles.str.strip() != ""
        # a title in another language than the query's (a Chinese search, an English catalogue) is not comparable in
        # either route's space: the Chinese encoder reads no English words
        route_of_title = {t: "zh" if detect_language(t) == "zh" else "en" for t in titles[has].unique()}
        title_route = titles.map(route_of_title)
        for route in ("en", "zh"):
            mask = has & (keys.map(route_of) == route) & (title_route == route)
            if not mask.any():
                continue
            pairs = pd.DataFrame({"q": keys[mask], "t": titles[mask]})
            distinct = pairs.drop_duplicates()  # a million searches hold far fewer query-title pairs
            title_vectors = dict(zip(distinct["t"].unique(), self.cached(route).embed(distinct["t"].unique().tolist())))
            cosine = np.einsum("ij,ij->i", np.stack([query_vectors[q] for q in distinct["q"]]),
                               np.stack([title_vectors[t] for t in distinct["t"]]))
            found = pd.Series(cosine, index=pd.MultiIndex.from_frame(distinct))
            out[mask] = found.reindex(pd.MultiIndex.from_frame(pairs)).to_numpy(dtype="float64")
        return out


def _match_themes(centroids: np.ndarray, themes: pd.DataFrame, route: str, model: str) -> list[dict]:
    """For each intent centroid, the most similar review theme of the same language route and embedding space
    (cosine)."""
    empty = {"theme_dataset_id": None, "theme_id": None, "theme_similarity": None}
    same = themes[(themes["lang"] == route) & (themes["model"] == model)] if len(themes) else themes
    if same is None or len(same) == 0 or "centroid" not in same:
        return [dict(empty) for _ in centroids]
    theme_vectors = np.stack([np.asarray(c, dtype=np.float32) for c in same["centroid"]])
    if theme_vectors.shape[1] != centroids.shape[1]:
        return [dict(empty) for _ in centroids]
    similarity = centroids @ theme_vectors.T
    best = similarity.argmax(axis=1)
    return [{"theme_dataset_id": int(same["dataset_id"].iloc[b]), "theme_id": int(same["theme_id"].iloc[b]),
             "theme_similarity": float(similarity[i, b])} for i, b in enumerate(best)]


def analyse(settings: Settings, reviews: Source | None, searches: Source | None = None,
            progress: ProgressFn | None = None, store: Store | None = None) -> RunReport:
    """Open the workspace, run the pipeline, close it (the CLI's and tests' entry point)."""
    own = store is None
    store = store or Store(settings.db_path)
    try:
        return Pipeline(settings, store, progress).run(reviews, searches)
    finally:
        if own:
            store.close()
