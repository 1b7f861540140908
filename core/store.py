"""The workspace: one DuckDB file. The only module that speaks SQL.

Guarantees:
- A run's results are written in one transaction (``write_analysis``): a failed or killed run leaves the
  previous analysis as it was. The embedding cache and run progress commit as they go, on purpose.
- One process writes (DuckDB locks the file); inside it, any number of threads read through cursors.
- A schema version in ``meta`` and ordered migrations bring older workspaces up to date on open.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import WorkspaceError

log = logging.getLogger(__name__)
SCHEMA_VERSION = 3

# Each migration takes the workspace from version i to i+1. Never edit one that has shipped; append.
MIGRATIONS: list[str] = [
    # 0 -> 1: the foundation schema.
    """
    CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
    CREATE TABLE datasets (dataset_id INTEGER PRIMARY KEY, name VARCHAR, kind VARCHAR, content_hash VARCHAR,
        file_format VARCHAR, encoding VARCHAR, column_map VARCHAR, input_rows BIGINT, loaded_rows BIGINT,
        rejected_rows BIGINT, created_at TIMESTAMP, analysed_at TIMESTAMP);
    CREATE TABLE reviews (dataset_id INTEGER, review_id VARCHAR, row_no BIGINT, text VARCHAR, title VARCHAR,
        rating DOUBLE, product VARCHAR, category VARCHAR, date TIMESTAMP, user_id VARCHAR, lang VARCHAR,
        sentiment VARCHAR, sentiment_score DOUBLE, mixed BOOLEAN, theme_id INTEGER);
    CREATE TABLE snippets (dataset_id INTEGER, snippet_id BIGINT, review_id VARCHAR, position INTEGER,
        text VARCHAR, lang VARCHAR, text_hash VARCHAR, theme_id INTEGER, theme_similarity REAL);
    CREATE TABLE sentiment (dataset_id INTEGER, snippet_id BIGINT, label VARCHAR, score REAL);
    CREATE TABLE embeddings (model VARCHAR, text_hash VARCHAR, vector FLOAT[]);
    CREATE TABLE themes (dataset_id INTEGER, theme_id INTEGER, lang VARCHAR, label VARCHAR, keywords VARCHAR[],
        size BIGINT, x DOUBLE, y DOUBLE, representatives VARCHAR[]);
    CREATE TABLE keywords (dataset_id INTEGER, review_id VARCHAR, rank INTEGER, keyword VARCHAR, score REAL);
    CREATE TABLE searches (dataset_id INTEGER, search_id VARCHAR, row_no BIGINT, query VARCHAR, date TIMESTAMP,
        user_id VARCHAR, result_count DOUBLE, clicked VARCHAR, relevance DOUBLE);
    CREATE TABLE rejects (dataset_id INTEGER, row_no BIGINT, reason VARCHAR, raw VARCHAR);
    CREATE TABLE runs (run_id INTEGER PRIMARY KEY, dataset_id INTEGER, source VARCHAR, status VARCHAR,
        stage VARCHAR, done BIGINT, total BIGINT, eta_s DOUBLE, started_at TIMESTAMP, finished_at TIMESTAMP,
        stage_seconds VARCHAR, error VARCHAR, pid INTEGER);
    """,
    # 1 -> 2: PM edits to themes (rename, merge, hide) live apart from computed themes, so re-runs keep them;
    # the embedding cache gets its uniqueness index.
    """
    CREATE TABLE theme_edits (dataset_id INTEGER, theme_id INTEGER, label VARCHAR, merged_into INTEGER,
        hidden BOOLEAN DEFAULT FALSE, PRIMARY KEY (dataset_id, theme_id));
    CREATE UNIQUE INDEX embeddings_key ON embeddings (model, text_hash);
    """,
    # 2 -> 3: search intents (clusters of queries) matched to review themes; theme centroids kept for matching.
    """
    ALTER TABLE themes ADD COLUMN centroid FLOAT[];
    ALTER TABLE searches ADD COLUMN intent_id INTEGER;
    CREATE TABLE intents (dataset_id INTEGER, intent_id INTEGER, lang VARCHAR, label VARCHAR, keywords VARCHAR[],
        queries BIGINT, x DOUBLE, y DOUBLE, examples VARCHAR[], theme_dataset_id INTEGER, theme_id INTEGER,
        theme_similarity DOUBLE);
    """,
]
ANALYSIS_TABLES = ("reviews", "snippets", "sentiment", "themes", "keywords", "searches", "rejects", "intents")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" in message.lower():
            raise WorkspaceError(
                f"the workspace {path} is open in another NeedLens process; close that app or CLI run, "
                f"or pass --db with another file"
            ) from exc
        raise WorkspaceError(f"cannot open the workspace {path}: {message}") from exc
    except duckdb.Error as exc:
        raise WorkspaceError(f"{path} is not a NeedLens workspace ({exc}); pass --db with another file") from exc


class Store:
    """A DuckDB workspace. Safe to share across threads: every call uses its own cursor."""

    def __init__(self, path: str | Path = ":memory:", read_only: bool = False) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.read_only = read_only
        self._con = _connect(self.path, read_only)
        self._write_lock = threading.RLock()
        if not read_only:
            self.migrate()
            self._mark_stale_runs()

    # --- plumbing ---------------------------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def close(self) -> None:
        self._con.close()

    def query_df(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a DataFrame (used by the aggregate readers below)."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        with self.cursor() as cur:
            row = cur.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One atomic write: commit on success, roll back on any error (disk full included)."""
        with self._write_lock, self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException as exc:
                cur.execute("ROLLBACK")
                if isinstance(exc, duckdb.Error):
                    raise WorkspaceError(f"writing to the workspace failed and nothing was changed: {exc}") from exc
                raise

    def schema_version(self) -> int:
        exists = self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")
        if not exists:
            return 0
        value = self.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(value) if value else 0

    def migrate(self) -> None:
        """Apply every migration after the workspace's version, each in its own transaction."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise WorkspaceError(f"{self.path} was made by a newer NeedLens (schema {current}); upgrade NeedLens")
        for version in range(current, SCHEMA_VERSION):
            with self.transaction() as cur:
                cur.execute(MIGRATIONS[version])
                cur.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version + 1)])
            log.info("workspace %s migrated to schema %d", self.path, version + 1)

    def data_version(self) -> int:
        """A counter bumped by every committed analysis or edit; dashboards key their caches on it."""
        value = self.scalar("SELECT value FROM meta WHERE key = 'data_version'")
        return int(value) if value else 0

    def _bump_version(self, cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('data_version', "
                    "CAST(COALESCE((SELECT CAST(value AS BIGINT) FROM meta WHERE key='data_version'), 0) + 1 AS VARCHAR))")

    # --- embeddings cache (commits as it goes) --------------------------------------------------------------------

    def get_embeddings(self, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        wanted = pa.table({"text_hash": pa.array(hashes, pa.string())})
        with self.cursor() as cur:
            cur.register("wanted", wanted)
            table = cur.sql(
                "SELECT e.text_hash, e.vector FROM embeddings e JOIN wanted w USING (text_hash) WHERE e.model = $1",
                params=[model]).to_arrow_table()
        if table.num_rows == 0:
            return {}
        column = table.column("vector").combine_chunks()
        dim = len(column[0])
        flat = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, dim)
        return dict(zip(table.column("text_hash").to_pylist(), flat))

    def put_embeddings(self, model: str, hashes: list[str], vectors: np.ndarray) -> None:
        if self.read_only or not hashes:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        values = pa.ListArray.from_arrays(pa.array(np.arange(0, vectors.size + 1, vectors.shape[1], dtype=np.int32)),
                                          pa.array(vectors.ravel()))
        batch = pa.table({"model": pa.array([model] * len(hashes)), "text_hash": pa.array(hashes), "vector": values})
        with self.transaction() as cur:
            cur.register("batch", batch)
            cur.execute("INSERT INTO embeddings SELECT b.model, b.text_hash, b.vector FROM batch b "
                        "WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.model = b.model AND e.text_hash = b.text_hash)")

    # --- runs (progress commits as it goes) -----------------------------------------------------------------------

    def start_run(self, source: str, dataset_id: int | None = None) -> int:
        with self.transaction() as cur:
            run_id = cur.execute("SELECT COALESCE(max(run_id), 0) + 1 FROM runs").fetchone()[0]
            cur.execute("INSERT INTO runs (run_id, dataset_id, source, status, stage, done, total, started_at, pid) "
                        "VALUES (?, ?, ?, 'running', 'queued', 0, 0, ?, ?)",
                        [run_id, dataset_id, source, datetime.now(), os.getpid()])
        return int(run_id)

    def update_run(self, run_id: int, **fields: Any) -> None:
        if not fields:
            return
        if "stage_seconds" in fields and not isinstance(fields["stage_seconds"], str):
            fields["stage_seconds"] = json.dumps(fields["stage_seconds"])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.transaction() as cur:
            cur.execute(f"UPDATE runs SET {assignments} WHERE run_id = ?", [*fields.values(), run_id])

    def finish_run(self, run_id: int, status: str, error: str | None = None, stage_seconds: dict | None = None) -> None:
        self.update_run(run_id, status=status, error=error, finished_at=datetime.now(),
                        **({"stage_seconds": stage_seconds} if stage_seconds is not None else {}))

    def _mark_stale_runs(self) -> None:
        """Only one process writes; a 'running' run left by another pid was killed mid-way."""
        with self.transaction() as cur:
            cur.execute("UPDATE runs SET status = 'interrupted', finished_at = now() "
                        "WHERE status IN ('running', 'queued') AND pid <> ?", [os.getpid()])

    def runs(self, limit: int = 20) -> pd.DataFrame:
        return self.query_df("SELECT * FROM runs ORDER BY run_id DESC LIMIT ?", [limit])

    def run(self, run_id: int) -> dict[str, Any] | None:
        frame = self.query_df("SELECT * FROM runs WHERE run_id = ?", [run_id])
        return None if frame.empty else frame.iloc[0].to_dict()

    # --- datasets ---------------------------------------------------------------------------------------------

    def dataset_by_hash(self, content_hash: str, kind: str) -> int | None:
        value = self.scalar("SELECT dataset_id FROM datasets WHERE content_hash = ? AND kind = ?", [content_hash, kind])
        return None if value is None else int(value)

    def next_dataset_id(self) -> int:
        return int(self.scalar("SELECT GREATEST((SELECT COALESCE(max(dataset_id), 0) FROM datasets), "
                               "(SELECT COALESCE(max(dataset_id), 0) FROM runs)) + 1"))

    def datasets(self) -> pd.DataFrame:
        return self.query_df("SELECT * FROM datasets ORDER BY dataset_id")

    def delete_dataset(self, dataset_id: int) -> None:
        with self.transaction() as cur:
            for table in (*ANALYSIS_TABLES, "theme_edits", "datasets"):
                cur.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])
            self._bump_version(cur)

    # --- the one big write ------------------------------------------------------------------------------------

    def write_analysis(self, datasets: list[dict[str, Any]], tables: dict[str, pd.DataFrame],
                       run_id: int | None = None, stage_seconds: dict | None = None) -> None:
        """Replace the analysis of the given datasets in ONE transaction (all or nothing)."""
        ids = [d["dataset_id"] for d in datasets]
        with self.transaction() as cur:
            for dataset_id in ids:
                for table in (*ANALYSIS_TABLES, "datasets"):
                    cur.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])
            meta = pd.DataFrame(datasets)
            cur.register("meta_rows", meta)
            cur.execute("INSERT INTO datasets BY NAME SELECT * FROM meta_rows")
            for table, frame in tables.items():
                if frame is None or frame.empty:
                    continue
                cur.register("rows_in", frame)
                cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows_in")
                cur.unregister("rows_in")
            if run_id is not None:
                cur.execute("UPDATE runs SET status = 'done', finished_at = now(), stage = 'done', stage_seconds = ? "
                            "WHERE run_id = ?", [json.dumps(stage_seconds or {}), run_id])
            self._bump_version(cur)

    # --- theme edits ------------------------------------------------------------------------------------------

    def edit_theme(self, dataset_id: int, theme_id: int, label: str | None = None, merged_into: int | None = None,
                   hidden: bool | None = None) -> None:
        """Rename, merge or hide a theme; stored apart from computed themes so re-runs keep it."""
        with self.transaction() as cur:
            current = cur.execute("SELECT label, merged_into, hidden FROM theme_edits WHERE dataset_id=? AND theme_id=?",
                                  [dataset_id, theme_id]).fetchone() or (None, None, False)
            row = [label if label is not None else current[0],
                   merged_into if merged_into is not None else current[1],
                   hidden if hidden is not None else current[2]]
            cur.execute("INSERT OR REPLACE INTO theme_edits VALUES (?, ?, ?, ?, ?)", [dataset_id, theme_id, *row])
            self._bump_version(cur)

    def reset_theme_edits(self, dataset_id: int) -> None:
        with self.transaction() as cur:
            cur.execute("DELETE FROM theme_edits WHERE dataset_id = ?", [dataset_id])
            self._bump_version(cur)

    # --- reads ------------------------------------------------------------------------------------------------
    # Theme ids as a PM sees them: merges followed, hidden themes kept (callers decide whether to show them).
    EFFECTIVE_THEMES = """
        SELECT t.dataset_id, t.theme_id AS raw_theme_id,
               COALESCE(e.merged_into, t.theme_id) AS theme_id,
               COALESCE(e2.label, t2.label) AS label, COALESCE(e2.hidden, FALSE) AS hidden
        FROM themes t
        LEFT JOIN theme_edits e ON e.dataset_id = t.dataset_id AND e.theme_id = t.theme_id
        JOIN themes t2 ON t2.dataset_id = t.dataset_id AND t2.theme_id = COALESCE(e.merged_into, t.theme_id)
        LEFT JOIN theme_edits e2 ON e2.dataset_id = t.dataset_id AND e2.theme_id = COALESCE(e.merged_into, t.theme_id)
    """

    def summary(self, dataset_ids: list[int] | None = None) -> dict[str, Any]:
        """Headline counts over the given review datasets (all when None) plus the last run's stage times."""
        where, params = self._dataset_filter(dataset_ids)
        counts = self.query_df(
            f"SELECT (SELECT count(*) FROM reviews WHERE {where}) AS reviews,"
            f" (SELECT COALESCE(sum(rejected_rows), 0) FROM datasets WHERE {where}) AS rejected,"
            f" (SELECT count(*) FROM snippets WHERE {where}) AS snippets,"
            f" (SELECT count(*) FROM snippets WHERE {where} AND theme_id IS NULL) AS unassigned,"
            f" (SELECT count(*) FROM searches WHERE {where}) AS searches,"
            f" (SELECT avg(rating) FROM reviews WHERE {where}) AS average_rating",
            params * 6).iloc[0]
        themes = self.query_df(f"SELECT count(DISTINCT (dataset_id, theme_id)) AS n FROM ({self.EFFECTIVE_THEMES}) "
                               f"WHERE NOT hidden AND {where}", params).iloc[0, 0]
        sentiment = self.query_df(f"SELECT sentiment, count(*) AS n FROM reviews WHERE {where} GROUP BY 1", params)
        by_label = {"positive": 0, "neutral": 0, "negative": 0}
        by_label.update({r.sentiment: int(r.n) for r in sentiment.itertuples() if r.sentiment in by_label})
        languages = self.query_df(f"SELECT lang, count(*) AS n FROM reviews WHERE {where} GROUP BY 1 ORDER BY 2 DESC", params)
        last = self.query_df("SELECT stage_seconds, status FROM runs WHERE status = 'done' ORDER BY run_id DESC LIMIT 1")
        snippets = int(counts.snippets)
        return {
            "reviews": int(counts.reviews), "rejected": int(counts.rejected), "snippets": snippets,
            "themes": int(themes), "unassigned_share": round(int(counts.unassigned) / snippets, 4) if snippets else 0.0,
            "sentiment": by_label, "searches": int(counts.searches),
            "average_rating": None if pd.isna(counts.average_rating) else round(float(counts.average_rating), 3),
            "languages": {r.lang: int(r.n) for r in languages.itertuples()},
            "stage_seconds": json.loads(last.stage_seconds.iloc[0]) if not last.empty and last.stage_seconds.iloc[0] else {},
            "data_version": self.data_version(),
        }

    @staticmethod
    def _dataset_filter(dataset_ids: list[int] | None, alias: str = "") -> tuple[str, list[Any]]:
        if not dataset_ids:
            return "TRUE", []
        prefix = f"{alias}." if alias else ""
        return f"{prefix}dataset_id IN ({', '.join('?' * len(dataset_ids))})", list(map(int, dataset_ids))

    def theme_table(self, dataset_ids: list[int] | None = None, include_hidden: bool = False) -> pd.DataFrame:
        """One row per effective theme: volume, share, sentiment, rating, keywords, map position."""
        where, params = self._dataset_filter(dataset_ids, "sn")
        hidden = "" if include_hidden else "AND NOT et.hidden"
        return self.query_df(f"""
            WITH et AS ({self.EFFECTIVE_THEMES}),
            s AS (SELECT sn.dataset_id, et.theme_id, et.label, et.hidden, sn.review_id, se.score, se.label AS sent
                  FROM snippets sn JOIN et ON et.dataset_id = sn.dataset_id AND et.raw_theme_id = sn.theme_id
                  JOIN sentiment se ON se.dataset_id = sn.dataset_id AND se.snippet_id = sn.snippet_id
                  WHERE {where} {hidden})
            SELECT s.dataset_id, s.theme_id, any_value(s.label) AS label, any_value(s.hidden) AS hidden,
                   count(*) AS snippets, count(DISTINCT s.review_id) AS reviews,
                   count(*) / sum(count(*)) OVER () AS share,
                   avg(s.score) AS sentiment, avg(CASE WHEN s.sent = 'negative' THEN 1 ELSE 0 END) AS negative_share,
                   (SELECT avg(r.rating) FROM reviews r WHERE r.dataset_id = s.dataset_id AND r.review_id IN
                       (SELECT review_id FROM s s2 WHERE s2.dataset_id = s.dataset_id AND s2.theme_id = s.theme_id)) AS avg_rating,
                   any_value(t.keywords) AS keywords, any_value(t.x) AS x, any_value(t.y) AS y, any_value(t.lang) AS lang,
                   any_value(t.representatives) AS representatives
            FROM s JOIN themes t ON t.dataset_id = s.dataset_id AND t.theme_id = s.theme_id
            GROUP BY s.dataset_id, s.theme_id ORDER BY snippets DESC""", params)

    def export_reviews(self, dataset_ids: list[int] | None = None) -> pd.DataFrame:
        """One row per loaded review with its sentiment, main theme (after PM edits) and keywords."""
        where, params = self._dataset_filter(dataset_ids, "r")
        return self.query_df(f"""
            WITH et AS ({self.EFFECTIVE_THEMES})
            SELECT r.dataset_id, r.review_id, r.text, r.title, r.rating, r.product, r.category, r.date, r.user_id,
                   r.lang, r.sentiment, round(r.sentiment_score, 4) AS sentiment_score, r.mixed,
                   CASE WHEN et.hidden THEN NULL ELSE et.theme_id END AS theme_id,
                   CASE WHEN et.hidden THEN NULL ELSE et.label END AS theme_label,
                   (SELECT string_agg(k.keyword, '; ' ORDER BY k.rank) FROM keywords k
                    WHERE k.dataset_id = r.dataset_id AND k.review_id = r.review_id) AS keywords
            FROM reviews r LEFT JOIN et ON et.dataset_id = r.dataset_id AND et.raw_theme_id = r.theme_id
            WHERE {where} ORDER BY r.dataset_id, r.row_no""", params)

    def theme_centroids(self) -> pd.DataFrame:
        """Computed themes with their centroids, for matching search intents uploaded on their own."""
        return self.query_df("SELECT dataset_id, theme_id, lang, centroid FROM themes WHERE centroid IS NOT NULL")

    def rejects(self, dataset_id: int) -> pd.DataFrame:
        return self.query_df("SELECT row_no, reason, raw FROM rejects WHERE dataset_id = ? ORDER BY row_no", [dataset_id])
