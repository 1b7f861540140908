"""The workspace: one DuckDB file. The only module that speaks SQL.

Guarantees:
- A run's results are written in one transaction (``write_analysis``): a failed or killed run leaves the
  previous analysis as it was. The embedding cache and run progress commit as they go, on purpose.
- One process writes (DuckDB locks the file); inside it, any number of threads read through cursors.
- A schema version in ``meta`` and ordered migrations bring older workspaces up to date on open.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import InputError, WorkspaceError

if TYPE_CHECKING:
    from .filters import Filters

log = logging.getLogger(__name__)
SCHEMA_VERSION = 15

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
    # 3 -> 4: the recommendation lab's interactions (uploaded or simulated) and simulator settings.
    """
    CREATE TABLE interactions (user_id VARCHAR, item VARCHAR, event VARCHAR, value DOUBLE, ts TIMESTAMP,
        simulated BOOLEAN);
    CREATE TABLE simulations (created_at TIMESTAMP, params VARCHAR, events BIGINT);
    """,
    # 4 -> 5: latent needs: a need type and a feature-request flag per snippet; the PM's editable taxonomy.
    """
    ALTER TABLE snippets ADD COLUMN need_type VARCHAR;
    ALTER TABLE snippets ADD COLUMN is_request BOOLEAN DEFAULT FALSE;
    CREATE TABLE taxonomy (position INTEGER, name VARCHAR, description_en VARCHAR, description_zh VARCHAR,
        examples VARCHAR);
    """,
    # 5 -> 6: sentiment adapted to a dataset's own star ratings keeps the bundled score beside it (undo, re-fit).
    """
    ALTER TABLE sentiment ADD COLUMN base_score REAL;
    CREATE TABLE calibrations (dataset_id INTEGER, created_at TIMESTAMP, polar_reviews BIGINT, before DOUBLE,
        after DOUBLE, applied BOOLEAN, detail VARCHAR);
    """,
    # 6 -> 7: the dashboard's unfiltered views, stored by the writer after each commit (core/views.py).
    """
    CREATE TABLE views (key VARCHAR PRIMARY KEY, data_version BIGINT, kind VARCHAR, payload BLOB);
    """,
    # 7 -> 8: snippet facts (snippet x review x sentiment, without text), rebuilt by the writer after each commit so
    # a filtered aggregate scans one table instead of joining three (Store.refresh_facts).
    """
    CREATE TABLE snippet_facts (dataset_id INTEGER, snippet_id BIGINT, review_id VARCHAR, theme_id INTEGER,
        score REAL, sentiment VARCHAR, rating DOUBLE, date TIMESTAMP, product VARCHAR, category VARCHAR, lang VARCHAR,
        need_type VARCHAR, theme_similarity REAL);
    """,
    # 8 -> 9: an integer review key in the facts, (dataset, row number), so distinct-review counts and the driver
    # regression's review rows compare integers instead of hashing string ids; the next commit rebuilds the facts.
    """
    ALTER TABLE snippet_facts ADD COLUMN review_key BIGINT;
    DELETE FROM meta WHERE key = 'facts_version';
    """,
    # 9 -> 10: review flags (one row per themed review: its filter columns and the sorted distinct codes
    # raw theme x 3 + polarity of its snippets), rebuilt with the facts, so distinct-review counts per theme and the
    # rating-driver regression group ~1M reviews into a few ten thousand flag sets (Store.flag_groups).
    """
    CREATE TABLE review_flags (dataset_id INTEGER, review_key BIGINT, rating DOUBLE, date TIMESTAMP, product VARCHAR,
        category VARCHAR, lang VARCHAR, flags INTEGER[]);
    DELETE FROM meta WHERE key = 'facts_version';
    """,
    # 10 -> 11: each review's whole-review sentiment score and its weight in the roll-up (Chinese head; English
    # review model), kept so that adapting sentiment to the stars, and undoing it, re-roll reviews the way the
    # analysis did (NULL where none, as in workspaces analysed before).
    """
    ALTER TABLE reviews ADD COLUMN document_score REAL;
    ALTER TABLE reviews ADD COLUMN document_weight REAL;
    """,
    # 11 -> 12: the embedding model whose space each theme's centroid lives in, so a file added to a dataset, or
    # search intents matched to its themes, are compared only in that same space (the Chinese route's encoder
    # changed). Filled for existing themes from the cached vectors of their snippets.
    """
    ALTER TABLE themes ADD COLUMN model VARCHAR;
    UPDATE themes SET model = m.model FROM (
        SELECT dataset_id, theme_id, arg_max(model, n) AS model FROM (
            SELECT s.dataset_id, s.theme_id, e.model, count(*) AS n FROM snippets s JOIN embeddings e USING (text_hash)
            WHERE s.theme_id >= 0 GROUP BY ALL) GROUP BY ALL) m
    WHERE themes.dataset_id = m.dataset_id AND themes.theme_id = m.theme_id;
    """,
    # 12 -> 13: how well each search was served (core.insights.served_scores), with the product a search returned
    # (a title column that is not a click) and the cosine of its title and the query. Clicks are NULL where the file
    # had no click column (they read as "not clicked" before). Existing searches get ``served`` in migrate(); their
    # need type (the query typed like a snippet) at the next re-typing or analysis.
    """
    ALTER TABLE searches ADD COLUMN result VARCHAR DEFAULT '';
    ALTER TABLE searches ADD COLUMN title_match REAL;
    ALTER TABLE searches ADD COLUMN served REAL;
    ALTER TABLE searches ADD COLUMN need_type VARCHAR;
    UPDATE searches SET clicked = NULL WHERE dataset_id IN (
        SELECT dataset_id FROM datasets WHERE column_map NOT LIKE '%"clicked"%');
    """,
    # 13 -> 14: what each request snippet asks for (core.needs.requested_thing), by text hash and the version of the
    # code that named it, kept by the writer after each commit (core.latent.keep_request_names): naming ~100k distinct
    # requests took 2.4 s of every new filter on the Feature requests tab of a million reviews.
    """
    CREATE TABLE request_names (text_hash VARCHAR PRIMARY KEY, version VARCHAR, thing VARCHAR);
    """,
    # 14 -> 15: how each language's number of themes was chosen when the dataset was last clustered (analysis or
    # re-clustering; themes.k_evidence): the counts tried, the chosen one, those that fit about as well, or the number
    # the PM asked for; the Need themes page says whether the data pointed to the count. And how well each theme stays
    # together when the themes are computed again (themes.theme_stability).
    """
    CREATE TABLE theme_counts (dataset_id INTEGER, lang VARCHAR, themes INTEGER, chosen INTEGER, asked INTEGER,
        tried INTEGER[], as_good INTEGER[], low DOUBLE, high DOUBLE);
    ALTER TABLE themes ADD COLUMN stability DOUBLE;
    """,
]
SERVED_SCHEMA = 13  # the migration after which migrate() fills searches.served
COUNTS_SCHEMA = 15  # theme_counts and themes.stability: absent from an older workspace opened read-only
UNMET_RATIO = 0.5  # a query served at under this share of the typical search's is unmet demand
INTENT_TYPE_MIN_SHARE = 1 / 3  # an intent takes its queries' commonest need type where it covers this share
# A snippet's polarity as a flag code's remainder (review_flags: raw theme x 3 + polarity)
POLARITIES = ("negative", "neutral", "positive")
POLARITY_CODE = "CASE sentiment WHEN 'negative' THEN 0 WHEN 'positive' THEN 2 ELSE 1 END"
# A review's integer key: row numbers are unique within a dataset (appended files continue them: pipeline.py).
REVIEW_KEY = "(CAST(r.dataset_id AS BIGINT) * 1099511627776 + r.row_no)"
ANALYSIS_TABLES = ("reviews", "snippets", "sentiment", "themes", "keywords", "searches", "rejects", "intents",
                   "calibrations", "snippet_facts", "review_flags", "theme_counts")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # DuckDB's default buffer pool is 80% of RAM; a workspace needs far less and spills to disk beyond the limit
        config = {"memory_limit": os.environ.get("NEEDLENS_DUCKDB_MEMORY", "1GB")}
        return duckdb.connect(str(path), read_only=read_only, config=config)
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


def _date_conditions(filters, alias: str, conditions: list[str], params: list[Any]) -> None:
    """The date range of the global filters (date_to inclusive) as SQL conditions."""
    if filters.date_from:
        conditions.append(f"{alias}.date >= ?")
        params.append(pd.Timestamp(filters.date_from))
    if filters.date_to:
        conditions.append(f"{alias}.date < ?")
        params.append(pd.Timestamp(filters.date_to) + pd.Timedelta(days=1))


def _sql_path(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")


# Runs this process has started and not yet finished, per workspace file: a reopened workspace marks any other
# 'running' run interrupted, including one of this process whose failure could not be written (a full disk).
_LIVE_RUNS: set[tuple[str, int]] = set()
_LIVE_LOCK = threading.Lock()


class Store:
    """A DuckDB workspace. Safe to share across threads: every call uses its own cursor."""

    def __init__(self, path: str | Path = ":memory:", read_only: bool = False) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.read_only = read_only
        self._con = _connect(self.path, read_only)
        self._write_lock = threading.RLock()
        self._key = str(self.path) if str(self.path) == ":memory:" else str(self.path.resolve())
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
                with contextlib.suppress(duckdb.Error):  # DuckDB may have aborted it already (e.g. disk full)
                    cur.execute("ROLLBACK")
                if isinstance(exc, duckdb.Error):
                    full = "No space left" in str(exc) or "disk is full" in str(exc).lower()
                    hint = (" The disk holding the workspace is full: free space or move the workspace "
                            "(NEEDLENS_DB), then run the analysis again." if full else "")
                    raise WorkspaceError(f"writing to the workspace failed and nothing was changed: {exc}.{hint}") from exc
                raise

    def _has_table(self, name: str) -> bool:
        return bool(self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))

    def schema_version(self) -> int:
        if not self._has_table("meta"):
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
        if 0 < current < SERVED_SCHEMA:
            self._fill_served()
        if 0 < current < SCHEMA_VERSION:  # an upgraded workspace's derived facts are rebuilt now, not at its next commit
            self.refresh_facts()

    def _fill_served(self) -> None:
        """Served-ness of searches analysed before it was stored: from results, clicks and relevance (their title
        match needs the embeddings, so it waits for a re-run), per dataset since relevance is scaled to its file."""
        from .insights import served_scores

        rows = self.query_df("SELECT dataset_id, search_id, result_count, clicked, relevance FROM searches")
        if rows.empty:
            return
        rows["clicked"] = rows["clicked"].astype(object).where(rows["clicked"].notna(), None)
        parts = [served_scores(g["result_count"], g["clicked"], g["relevance"], pd.Series(np.nan, index=g.index))
                 for _, g in rows.groupby("dataset_id")]
        rows["served"] = pd.concat(parts).reindex(rows.index)
        with self.transaction() as cur:
            cur.register("served_rows", rows[["dataset_id", "search_id", "served"]])
            cur.execute("UPDATE searches SET served = v.served FROM served_rows v "
                        "WHERE searches.dataset_id = v.dataset_id AND searches.search_id = v.search_id")
            cur.unregister("served_rows")

    def data_version(self) -> int:
        """A counter bumped by every committed analysis or edit; dashboards key their caches on it."""
        value = self.scalar("SELECT value FROM meta WHERE key = 'data_version'")
        return int(value) if value else 0

    def _bump_version(self, cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('data_version', "
                    "CAST(COALESCE((SELECT CAST(value AS BIGINT) FROM meta WHERE key='data_version'), 0) + 1 AS VARCHAR))")

    # --- stored dashboard views (core/views.py) ----------------------------------------------------------------

    def stored_view(self, key: str, version: int) -> tuple[str, bytes] | None:
        try:
            with self.cursor() as cur:
                row = cur.execute("SELECT kind, payload FROM views WHERE key = ? AND data_version = ?",
                                  [key, version]).fetchone()
        except duckdb.CatalogException:  # a read-only workspace from before schema 7
            return None
        return None if row is None else (row[0], bytes(row[1]))

    def view_counts(self, prefix: str, version: int) -> tuple[int, int]:
        """Stored views whose key starts with ``prefix`` at data ``version``, and stored views in all."""
        try:
            with self.cursor() as cur:
                row = cur.execute("SELECT count(*) FILTER (WHERE data_version = ? AND starts_with(key, ?)), count(*) "
                                  "FROM views", [version, prefix]).fetchone()
        except duckdb.CatalogException:  # a read-only workspace from before schema 7
            return 0, 0
        return int(row[0]), int(row[1])

    def put_views(self, rows: list[tuple[str, int, str, bytes]], version: int) -> bool:
        """Replace every stored view with ``rows`` (key, data version, kind, payload), unless the data version moved
        on since they were computed; True when written."""
        if self.read_only:
            return False
        with self.transaction() as cur:
            now = cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
            if int(now[0] if now else 0) != version:
                return False
            cur.execute("DELETE FROM views")
            if rows:
                cur.executemany("INSERT INTO views VALUES (?, ?, ?, ?)", rows)
        return True

    # --- backup and restore -----------------------------------------------------------------------------------

    def backup(self, out_dir: str | Path) -> Path:
        """Export the whole workspace (schema + Parquet per table) to a new folder."""
        out = Path(out_dir)
        if out.exists() and any(out.iterdir()):
            raise WorkspaceError(f"{out} is not empty; choose a new folder for the backup")
        out.mkdir(parents=True, exist_ok=True)
        with self._write_lock, self.cursor() as cur:
            cur.execute("CHECKPOINT")
            cur.execute(f"EXPORT DATABASE '{_sql_path(out)}' (FORMAT PARQUET)")
        (out / "NEEDLENS_BACKUP").write_text(json.dumps({"schema_version": self.schema_version(),
                                                         "data_version": self.data_version(),
                                                         "created_at": datetime.now().isoformat()}))
        return out

    @staticmethod
    def restore(backup_dir: str | Path, db_path: str | Path) -> "Store":
        """Create a workspace at ``db_path`` (which must not exist) from a backup folder, then migrate it."""
        backup_dir, db_path = Path(backup_dir), Path(db_path)
        if not (backup_dir / "NEEDLENS_BACKUP").exists():
            raise WorkspaceError(f"{backup_dir} is not a NeedLens backup (no NEEDLENS_BACKUP file)")
        if db_path.exists():
            raise WorkspaceError(f"{db_path} already exists; restore into a new file and switch NEEDLENS_DB to it")
        con = _connect(db_path, read_only=False)
        try:
            con.execute(f"IMPORT DATABASE '{_sql_path(backup_dir)}'")
        except duckdb.Error as exc:
            con.close()
            db_path.unlink(missing_ok=True)
            raise WorkspaceError(f"the backup in {backup_dir} could not be restored: {exc}") from exc
        con.close()
        return Store(db_path)

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

    def texts_by_hash(self, hashes: list[str]) -> dict[str, str]:
        """One snippet text per text hash (the embedding cache's key), for the hashes given."""
        if not hashes:
            return {}
        wanted = pa.table({"text_hash": pa.array(hashes, pa.string())})
        with self.cursor() as cur:
            cur.register("wanted", wanted)
            rows = cur.execute("SELECT s.text_hash, any_value(s.text) FROM snippets s JOIN wanted w USING (text_hash) "
                               "GROUP BY s.text_hash").fetchall()
        return dict(rows)

    # --- runs (progress commits as it goes) -----------------------------------------------------------------------

    def start_run(self, source: str, dataset_id: int | None = None, status: str = "running") -> int:
        with self.transaction() as cur:
            run_id = cur.execute("SELECT COALESCE(max(run_id), 0) + 1 FROM runs").fetchone()[0]
            cur.execute("INSERT INTO runs (run_id, dataset_id, source, status, stage, done, total, started_at, pid) "
                        "VALUES (?, ?, ?, ?, 'queued', 0, 0, ?, ?)",
                        [run_id, dataset_id, source, status, datetime.now(), os.getpid()])
        with _LIVE_LOCK:
            _LIVE_RUNS.add((self._key, int(run_id)))
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
        try:
            self.update_run(run_id, status=status, error=error, finished_at=datetime.now(),
                            **({"stage_seconds": stage_seconds} if stage_seconds is not None else {}))
        finally:  # no longer live even if the write failed: the next open marks it interrupted
            with _LIVE_LOCK:
                _LIVE_RUNS.discard((self._key, int(run_id)))

    def _mark_stale_runs(self) -> None:
        """Only one process writes; a 'running' run left by another pid was killed mid-way, and one of this pid that
        is no longer live ended without its status being written (its failure hit a full disk, say)."""
        with _LIVE_LOCK:
            live = [run_id for key, run_id in _LIVE_RUNS if key == self._key]
        with self.transaction() as cur:
            cur.execute("UPDATE runs SET status = 'interrupted', finished_at = now() "
                        "WHERE status IN ('running', 'queued') AND (pid <> ? OR NOT list_contains(?::INTEGER[], run_id))",
                        [os.getpid(), live])

    def active_runs(self) -> pd.DataFrame:
        """Runs queued or in progress, oldest first (what every browser tab shows as progress)."""
        return self.query_df("SELECT * FROM runs WHERE status IN ('queued', 'running') ORDER BY run_id")

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
            cur.execute(self._UNASKED_NAMES)  # a name quotes its request: it goes with the reviews
            self._bump_version(cur)

    _UNASKED_NAMES = ("DELETE FROM request_names WHERE text_hash NOT IN "
                      "(SELECT text_hash FROM snippets WHERE is_request)")

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
            self._insert_tables(cur, tables)
            self._mark_done(cur, run_id, stage_seconds)
            self._bump_version(cur)

    @staticmethod
    def _insert_tables(cur: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
        for table, frame in tables.items():
            if frame is None or frame.empty:
                continue
            cur.register("rows_in", frame)
            cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows_in")
            cur.unregister("rows_in")

    @staticmethod
    def _mark_done(cur: duckdb.DuckDBPyConnection, run_id: int | None, stage_seconds: dict | None) -> None:
        if run_id is not None:
            cur.execute("UPDATE runs SET status = 'done', finished_at = now(), stage = 'done', stage_seconds = ? "
                        "WHERE run_id = ?", [json.dumps(stage_seconds or {}), run_id])

    # --- incremental runs ----------------------------------------------------------------------------------------

    def append_state(self, dataset_id: int) -> dict[str, Any] | None:
        """What an incremental run needs to add to a dataset: its review ids, last row and snippet numbers, and
        its themes' centroids. None when the dataset is not an analysed review dataset."""
        kind = self.scalar("SELECT kind FROM datasets WHERE dataset_id = ?", [dataset_id])
        if kind != "reviews":
            return None
        known = self.query_df("SELECT review_id, text FROM reviews WHERE dataset_id = ?", [dataset_id])
        return {
            "review_ids": set(known["review_id"]), "texts": set(known["text"]),
            "max_row_no": int(self.scalar("SELECT COALESCE(max(row_no), -1) FROM reviews WHERE dataset_id = ?", [dataset_id])),
            "max_snippet_id": int(self.scalar("SELECT COALESCE(max(snippet_id), -1) FROM snippets WHERE dataset_id = ?",
                                              [dataset_id])),
            "centroids": self.query_df("SELECT theme_id, lang, model, centroid FROM themes WHERE dataset_id = ? "
                                       "AND centroid IS NOT NULL ORDER BY theme_id", [dataset_id]),
            "theme_ids": self._theme_ids(dataset_id),
        }

    def _theme_ids(self, dataset_id: int, cur=None) -> frozenset[int]:
        """The dataset's theme ids (``cur``: a transaction's cursor, to read what it sees)."""
        with nullcontext(cur) if cur is not None else self.cursor() as reader:
            rows = reader.execute("SELECT theme_id FROM themes WHERE dataset_id = ?", [dataset_id]).fetchall()
        return frozenset(int(r[0]) for r in rows)

    def append_analysis(self, dataset_id: int, tables: dict[str, pd.DataFrame], counts: dict[str, int],
                        run_id: int | None = None, stage_seconds: dict | None = None,
                        theme_ids: frozenset[int] | None = None) -> None:
        """Add rows to one dataset's analysis in ONE transaction; theme sizes and dataset counts follow. ``theme_ids``:
        the themes the new snippets were assigned to (append_state's); if a split or a re-clustering replaced them
        meanwhile, nothing is written: the new snippets would point at themes that no longer exist."""
        with self.transaction() as cur:
            if theme_ids is not None and self._theme_ids(dataset_id, cur) != theme_ids:
                raise InputError("this dataset's themes changed while the file was being added (a theme was split or "
                                 "the dataset re-clustered); add the file again")
            self._insert_tables(cur, tables)
            cur.execute("""UPDATE themes SET size = n.size FROM (
                               SELECT theme_id, count(*) AS size FROM snippets WHERE dataset_id = ? AND theme_id IS NOT NULL
                               GROUP BY theme_id) n
                           WHERE themes.dataset_id = ? AND themes.theme_id = n.theme_id""", [dataset_id, dataset_id])
            cur.execute("""UPDATE datasets SET input_rows = input_rows + ?, loaded_rows = loaded_rows + ?,
                           rejected_rows = rejected_rows + ?, analysed_at = now() WHERE dataset_id = ?""",
                        [counts["input_rows"] - counts.get("skipped_known", 0), counts["loaded_rows"],
                         counts["rejected_rows"], dataset_id])
            self._mark_done(cur, run_id, stage_seconds)
            self._bump_version(cur)

    def replace_themes(self, dataset_id: int, themes: pd.DataFrame, assignment: pd.DataFrame, edits: pd.DataFrame,
                       counts: pd.DataFrame | None = None) -> None:
        """Re-clustering's write: new themes, every snippet's theme, each review's main theme and the carried PM
        edits, in one transaction; ``counts``: how each language's number of themes was chosen (a split leaves the
        dataset's as they were)."""
        with self.transaction() as cur:
            if counts is not None:
                cur.execute("DELETE FROM theme_counts WHERE dataset_id = ?", [dataset_id])
                self._insert_tables(cur, {"theme_counts": counts})
            cur.execute("DELETE FROM themes WHERE dataset_id = ?", [dataset_id])
            cur.execute("DELETE FROM theme_edits WHERE dataset_id = ?", [dataset_id])
            cur.register("themes_in", themes)
            cur.execute("INSERT INTO themes BY NAME SELECT * FROM themes_in")
            cur.register("assign_in", assignment)
            cur.execute("""UPDATE snippets SET theme_id = a.theme_id, theme_similarity = a.theme_similarity
                           FROM assign_in a WHERE snippets.dataset_id = ? AND snippets.snippet_id = a.snippet_id""",
                        [dataset_id])
            cur.execute("UPDATE reviews SET theme_id = NULL WHERE dataset_id = ?", [dataset_id])
            # each review's main theme as the analysis picks it (pipeline.main_themes): most snippets, then the
            # closest snippet, then the lower theme id; arg_max left exact ties to chance, so undoing a split moved
            # tied reviews to another theme
            cur.execute("""UPDATE reviews SET theme_id = m.theme_id FROM (
                               SELECT review_id, theme_id FROM (
                                   SELECT review_id, theme_id, count(*) AS n, max(theme_similarity) AS sim FROM snippets
                                   WHERE dataset_id = ? AND theme_id IS NOT NULL GROUP BY 1, 2)
                               QUALIFY row_number() OVER (PARTITION BY review_id ORDER BY n DESC, sim DESC, theme_id) = 1) m
                           WHERE reviews.dataset_id = ? AND reviews.review_id = m.review_id""", [dataset_id, dataset_id])
            if not edits.empty:
                cur.register("edits_in", edits)
                cur.execute("INSERT INTO theme_edits BY NAME SELECT * FROM edits_in")
            self._bump_version(cur)

    def theme_counts(self, dataset_ids: tuple[int, ...] = (), langs: tuple[str, ...] = ()) -> pd.DataFrame:
        """How each review dataset's number of themes per language was chosen when last clustered, with its name;
        ``langs``: the review languages filtered on (a theme's language is its route: "other" is clustered as English)."""
        if self.schema_version() < COUNTS_SCHEMA:  # an older workspace opened read-only: nothing recorded
            return pd.DataFrame(columns=["dataset_id", "lang", "themes", "chosen", "asked", "tried", "as_good", "low",
                                         "high", "name"])
        routes = sorted({"zh" if lang == "zh" else "en" for lang in langs})
        conditions = ([f"c.dataset_id IN ({', '.join('?' * len(dataset_ids))})"] if dataset_ids else []) + (
            [f"c.lang IN ({', '.join('?' * len(routes))})"] if routes else [])
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return self.query_df(f"""SELECT c.*, d.name FROM theme_counts c JOIN datasets d USING (dataset_id) {where}
                                ORDER BY c.dataset_id, c.lang""", [*dataset_ids, *routes])

    # --- theme edits ------------------------------------------------------------------------------------------

    def edit_theme(self, dataset_id: int, theme_id: int, label: str | None = None, merged_into: int | None = None,
                   hidden: bool | None = None) -> None:
        """Rename, merge or hide a theme; stored apart from computed themes so re-runs keep it.

        Merging follows chains: merging A into B when B was merged into C sends A to C, and themes that were
        merged into A follow it.
        """
        with self.transaction() as cur:
            if merged_into is not None:
                merged_into = self._merge_root(cur, dataset_id, merged_into)
                if merged_into == theme_id:
                    merged_into = None
                else:
                    cur.execute("UPDATE theme_edits SET merged_into = ? WHERE dataset_id = ? AND merged_into = ?",
                                [merged_into, dataset_id, theme_id])
            current = cur.execute("SELECT label, merged_into, hidden FROM theme_edits WHERE dataset_id=? AND theme_id=?",
                                  [dataset_id, theme_id]).fetchone() or (None, None, False)
            row = [label if label is not None else current[0],
                   merged_into if merged_into is not None else current[1],
                   hidden if hidden is not None else current[2]]
            cur.execute("INSERT OR REPLACE INTO theme_edits VALUES (?, ?, ?, ?, ?)", [dataset_id, theme_id, *row])
            self._bump_version(cur)

    @staticmethod
    def _merge_root(cur, dataset_id: int, theme_id: int) -> int:
        seen = {theme_id}
        while True:
            row = cur.execute("SELECT merged_into FROM theme_edits WHERE dataset_id = ? AND theme_id = ?",
                              [dataset_id, theme_id]).fetchone()
            if not row or row[0] is None or row[0] in seen:
                return theme_id
            theme_id = int(row[0])
            seen.add(theme_id)

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

    @staticmethod
    def review_filter(filters: "Filters | list[int] | None", alias: str = "r") -> tuple[str, list[Any]]:
        """SQL condition and parameters selecting the reviews the dashboard's filters cover."""
        from .filters import Filters

        if filters is None or isinstance(filters, (list, tuple)):
            filters = Filters(dataset_ids=tuple(filters or ()))
        conditions, params = ["TRUE"], []
        for column, values in (("dataset_id", filters.dataset_ids), ("category", filters.categories),
                               ("product", filters.products), ("lang", filters.langs)):
            if values:
                conditions.append(f"{alias}.{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        _date_conditions(filters, alias, conditions, params)
        if filters.rating_min is not None:
            conditions.append(f"{alias}.rating >= ?")
            params.append(float(filters.rating_min))
        if filters.rating_max is not None:
            conditions.append(f"{alias}.rating <= ?")
            params.append(float(filters.rating_max))
        return " AND ".join(conditions), params

    def _snippet_facts(self, filters, include_hidden: bool = False, text: bool = False) -> tuple[str, list[Any]]:
        """A CTE body: one row per themed snippet of the filtered reviews, with its effective theme (and its text
        when ``text``).

        When the snippet_facts table is current (the writer rebuilds it after each commit: refresh_facts), the facts
        are a filtered scan of it plus the small effective-theme join: a million-review page with a new filter in a
        fraction of the three-table join. Otherwise (just after a commit, until the writer has rebuilt it, or a
        read-only workspace from before schema 8) they are that join itself. Unfiltered pages read stored views
        instead (core/views.py)."""
        hidden = "" if include_hidden else "AND NOT et.hidden"
        if self.facts_current():
            where, params = self.review_filter(filters, "f")
            return (f"""WITH et AS ({self.EFFECTIVE_THEMES}),
            facts AS (
              SELECT f.dataset_id, f.snippet_id, f.review_id, f.review_key, {"sn.text, " if text else ""}et.theme_id, et.label,
                     et.hidden, f.score, f.sentiment, f.rating, f.date, f.product, f.category, f.lang, f.need_type,
                     f.theme_similarity
              FROM snippet_facts f JOIN et ON et.dataset_id = f.dataset_id AND et.raw_theme_id = f.theme_id
              {"JOIN snippets sn ON sn.dataset_id = f.dataset_id AND sn.snippet_id = f.snippet_id" if text else ""}
              WHERE {where} {hidden})""", params)
        where, params = self.review_filter(filters, "r")
        return self._FACTS_SQL.format(effective=self.EFFECTIVE_THEMES, where=where, hidden=hidden), params

    def facts_current(self) -> bool:
        """True when snippet_facts was rebuilt at the current data version."""
        # one lookup per aggregate; a read-only workspace from before schema 9 has facts without the review key
        return bool(self.scalar("SELECT (SELECT value FROM meta WHERE key = 'facts_version') = "
                                "(SELECT value FROM meta WHERE key = 'data_version') AND "
                                "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version') >= 9"))

    def refresh_facts(self) -> bool:
        """Rebuild snippet_facts for the current data version (one transaction; the writer calls it after each
        commit, before storing the views); False when it was current already or the workspace is read-only.

        The facts are derived data: a commit never waits for them, and until they are rebuilt the aggregates join
        the tables as before, so they can be stale for a moment but never wrong."""
        if self.read_only:
            return False
        with self.transaction() as cur:
            version, built = cur.execute("SELECT (SELECT value FROM meta WHERE key = 'data_version'), "
                                         "(SELECT value FROM meta WHERE key = 'facts_version')").fetchone()
            if built is not None and built == version:
                return False
            # sorted by language and date, DuckDB's zone maps skip whole row groups for those common filters
            cur.execute("""CREATE OR REPLACE TABLE snippet_facts AS
                SELECT sn.dataset_id, sn.snippet_id, sn.review_id, sn.theme_id, se.score, se.label AS sentiment,
                       r.rating, r.date, r.product, r.category, r.lang, sn.need_type, sn.theme_similarity,
                       """ + REVIEW_KEY + """ AS review_key
                FROM snippets sn
                JOIN reviews r ON r.dataset_id = sn.dataset_id AND r.review_id = sn.review_id
                JOIN sentiment se ON se.dataset_id = sn.dataset_id AND se.snippet_id = sn.snippet_id
                ORDER BY r.lang, r.date, sn.dataset_id, sn.snippet_id""")
            cur.execute(f"""CREATE OR REPLACE TABLE review_flags AS
                SELECT dataset_id, review_key, any_value(rating) AS rating, any_value(date) AS date,
                       any_value(product) AS product, any_value(category) AS category, any_value(lang) AS lang,
                       CAST(list_sort(list(DISTINCT theme_id * 3 + {POLARITY_CODE})) AS INTEGER[]) AS flags
                FROM snippet_facts WHERE theme_id IS NOT NULL
                GROUP BY dataset_id, review_key ORDER BY lang, date, dataset_id, review_key""")
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('facts_version', ?)", [version or "0"])
        return True

    def flag_groups(self, filters=None, rated: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray] | None:
        """The filtered themed reviews grouped by flag set, mapped to effective themes; None until review_flags is
        rebuilt for the current data version (or on a read-only workspace from before schema 10).

        Returns (groups: n, sum_y, sum_yy per distinct (dataset, flag set); members: group, theme_id, label (an index
        into labels), hidden, polarity (an index into POLARITIES) per flag of a group, after merges; labels: the
        effective theme labels, sorted). ``rated`` keeps reviews with a rating only. A million reviews
        collapse into a few ten thousand groups, so distinct-review counts per theme and the driver regression's X'X
        are weighted sums over groups instead of a DISTINCT over millions of facts."""
        if not self.facts_current() or self.schema_version() < 10:
            return None
        where, params = self.review_filter(filters, "f")
        with self.cursor() as cur:
            table = cur.sql(f"""SELECT dataset_id, flags, count(*) AS n, COALESCE(sum(rating), 0) AS sum_y,
                       COALESCE(sum(rating * rating), 0) AS sum_yy
                FROM review_flags f WHERE {where} {"AND f.rating IS NOT NULL" if rated else ""}
                GROUP BY ALL ORDER BY dataset_id, flags""", params=params).to_arrow_table()
        groups = pd.DataFrame({name: table.column(name).to_numpy() for name in ("dataset_id", "n", "sum_y", "sum_yy")})
        flags = table.column("flags").combine_chunks()
        code = flags.flatten().to_numpy(zero_copy_only=False).astype(np.int64)
        group = np.repeat(np.arange(len(groups)), np.diff(flags.offsets.to_numpy()))
        et = self.query_df(self.EFFECTIVE_THEMES)
        key = groups["dataset_id"].to_numpy(np.int64)[group] << 32 | code // 3
        et_key = et["dataset_id"].to_numpy(np.int64) << 32 | et["raw_theme_id"].to_numpy(np.int64)
        order = np.argsort(et_key, kind="stable")
        position = np.searchsorted(et_key[order], key)
        found = position < len(et)  # the facts' inner join with the themes: a code without a theme row is dropped
        found[found] = et_key[order[position[found]]] == key[found]
        at, group, code = order[position[found]], group[found], code[found]
        label, labels = pd.factorize(et["label"], sort=True)
        members = pd.DataFrame({"group": group, "theme_id": et["theme_id"].to_numpy()[at], "label": label[at],
                                "hidden": et["hidden"].to_numpy(bool)[at], "polarity": code % 3})
        return groups, members, np.asarray(labels, dtype=object)

    _FACTS_SQL = """
            WITH et AS ({effective}),
            facts AS (
              SELECT sn.dataset_id, sn.snippet_id, sn.review_id, """ + REVIEW_KEY + """ AS review_key, sn.text,
                     et.theme_id, et.label, et.hidden, se.score, se.label AS sentiment, r.rating, r.date, r.product,
                     r.category, r.lang, sn.need_type, sn.theme_similarity
              FROM snippets sn
              JOIN reviews r ON r.dataset_id = sn.dataset_id AND r.review_id = sn.review_id
              JOIN et ON et.dataset_id = sn.dataset_id AND et.raw_theme_id = sn.theme_id
              JOIN sentiment se ON se.dataset_id = sn.dataset_id AND se.snippet_id = sn.snippet_id
              WHERE {where} {hidden})"""

    # a theme the PM merged others into was not measured as the group it now is: no stability shown for it
    _STABILITY = """CASE WHEN EXISTS (SELECT 1 FROM theme_edits e WHERE e.dataset_id = agg.dataset_id
                                       AND e.merged_into = agg.theme_id) THEN NULL ELSE t.stability END AS stability"""

    def theme_table(self, filters=None, include_hidden: bool = False, recent_days: int = 28) -> pd.DataFrame:
        """One row per effective theme: volume, share, sentiment, rating, trend (share change, recent vs before),
        its complaints in the recent window and before (``recent_neg_n`` of ``recent_total`` mentions, ``prior_neg_n``
        of ``prior_total``), keywords, representatives and map position."""
        facts, params = self._snippet_facts(filters, include_hidden)
        grouped = self.flag_groups(filters)  # distinct reviews per theme from the flag groups when they are current
        table = self.query_df(f"""{facts},
            last AS (SELECT max(date) - INTERVAL {int(recent_days)} DAY AS cut FROM facts),
            agg AS (
              SELECT dataset_id, theme_id, any_value(label) AS label, any_value(hidden) AS hidden,
                     count(*) AS snippets, {"count(DISTINCT review_key)" if grouped is None else "0"} AS reviews,
                     avg(score) AS sentiment, avg(CASE WHEN sentiment = 'negative' THEN 1.0 ELSE 0.0 END) AS negative_share,
                     avg(rating) AS avg_rating,
                     count(*) FILTER (WHERE date > (SELECT cut FROM last)) AS recent_n,
                     count(*) FILTER (WHERE date <= (SELECT cut FROM last)) AS prior_n,
                     count(*) FILTER (WHERE date > (SELECT cut FROM last) AND sentiment = 'negative') AS recent_neg_n,
                     count(*) FILTER (WHERE date <= (SELECT cut FROM last) AND sentiment = 'negative') AS prior_neg_n
              FROM facts GROUP BY dataset_id, theme_id)
            SELECT agg.dataset_id, agg.theme_id, agg.label, agg.hidden, agg.snippets, agg.reviews,
                   agg.snippets / sum(agg.snippets) OVER () AS share, agg.sentiment, agg.negative_share, agg.avg_rating,
                   agg.recent_n / NULLIF(sum(agg.recent_n) OVER (), 0) AS recent_share,
                   agg.prior_n / NULLIF(sum(agg.prior_n) OVER (), 0) AS prior_share,
                   agg.recent_neg_n, sum(agg.recent_n) OVER () AS recent_total,
                   agg.prior_neg_n, sum(agg.prior_n) OVER () AS prior_total,
                   t.keywords, t.x, t.y, t.lang, t.representatives,
                   {self._STABILITY if self.schema_version() >= COUNTS_SCHEMA else "CAST(NULL AS DOUBLE) AS stability"}
            FROM agg JOIN themes t ON t.dataset_id = agg.dataset_id AND t.theme_id = agg.theme_id
            ORDER BY agg.snippets DESC, agg.dataset_id, agg.theme_id""", params)
        if grouped is not None:
            groups, members, _ = grouped
            if not include_hidden:
                members = members[~members["hidden"]]
            members = members.assign(dataset_id=groups["dataset_id"].to_numpy()[members["group"].to_numpy()])
            members = members.drop_duplicates(["group", "dataset_id", "theme_id"])  # merged raw themes count once
            counts = (members.assign(n=groups["n"].to_numpy()[members["group"].to_numpy()])
                      .groupby(["dataset_id", "theme_id"])["n"].sum())
            keys = pd.MultiIndex.from_arrays([table["dataset_id"], table["theme_id"]])
            table["reviews"] = counts.reindex(keys, fill_value=0).to_numpy(np.int64)
        return table

    def theme_snippets(self, dataset_id: int, theme_id: int, filters=None, sentiment: str | None = None,
                       contains: str | None = None, limit: int = 200) -> pd.DataFrame:
        """Evidence for one theme: its snippets (closest to the theme first) with their full reviews, each wording
        once (case and surrounding spaces aside) with how many of the theme's snippets say it (``said``): the demo's
        "Fast delivery, packaging was solid." filled the first eight rows of its theme's evidence."""
        facts, params = self._snippet_facts(filters, include_hidden=True, text=True)
        conditions, extra = ["f.dataset_id = ?", "f.theme_id = ?"], [dataset_id, theme_id]
        if sentiment:
            conditions.append("f.sentiment = ?")
            extra.append(sentiment)
        if contains:
            conditions.append("(f.text ILIKE ? OR r.text ILIKE ?)")
            extra += [f"%{contains}%"] * 2
        return self.query_df(f"""{facts}
            SELECT f.text AS snippet, count(*) OVER wording AS said, f.sentiment, round(f.score, 2) AS score, f.rating,
                   f.product, f.category, CAST(f.date AS DATE) AS date, r.text AS review, f.review_id
            FROM facts f JOIN reviews r ON r.dataset_id = f.dataset_id AND r.review_id = f.review_id
            WHERE {' AND '.join(conditions)}
            WINDOW wording AS (PARTITION BY lower(trim(f.text)))
            QUALIFY row_number() OVER (wording ORDER BY f.theme_similarity DESC, f.snippet_id) = 1
            ORDER BY f.theme_similarity DESC, f.snippet_id LIMIT {int(limit)}""", params + extra)

    def term_snippets(self, term: str, pattern: str, filters=None, limit: int = 1500) -> tuple[pd.DataFrame, int]:
        """The snippets of the filtered reviews that mention ``term`` (``pattern``: an RE2 regular expression that
        decides a mention, e.g. whole words), most recent first, at most ``limit``; and how many there are in all."""
        where, params = self.review_filter(filters, "r")
        frame = self.query_df(f"""
            WITH m AS (
              SELECT s.dataset_id, s.snippet_id, s.text AS snippet, s.lang, se.label AS snippet_sentiment,
                     se.score AS snippet_score, r.product, r.category, r.rating, CAST(r.date AS DATE) AS date,
                     r.text AS review, r.review_id
              FROM snippets s
              JOIN reviews r ON r.dataset_id = s.dataset_id AND r.review_id = s.review_id
              LEFT JOIN sentiment se ON se.dataset_id = s.dataset_id AND se.snippet_id = s.snippet_id
              WHERE {where} AND s.text ILIKE ? AND regexp_matches(s.text, ?))
            SELECT *, count(*) OVER () AS total FROM m
            ORDER BY date DESC NULLS LAST, dataset_id, snippet_id LIMIT {int(limit)}""",
                              params + [f"%{term}%", pattern])
        total = int(frame.total.iloc[0]) if len(frame) else 0
        return frame.drop(columns="total"), total

    def overview(self, filters=None, recent_days: int = 21) -> dict[str, Any]:
        """Headline figures for the Overview page; ``recent_reviews``: the reviews of the last ``recent_days`` (ending
        at the newest review's day, the alerts' window)."""
        where, params = self.review_filter(filters, "r")
        row = self.query_df(f"""WITH f AS (SELECT * FROM reviews r WHERE {where}),
                   e AS (SELECT CAST(max(date) AS DATE) AS last_day FROM f)
            SELECT count(*) AS reviews, avg(rating) AS average_rating,
                   avg(CASE WHEN sentiment = 'negative' THEN 1.0 ELSE 0.0 END) AS negative_share,
                   avg(CASE WHEN mixed THEN 1.0 ELSE 0.0 END) AS mixed_share,
                   min(date) AS first_date, max(date) AS last_date,
                   count(*) FILTER (WHERE CAST(f.date AS DATE) > e.last_day - CAST(? AS INTEGER)) AS recent_reviews
            FROM f, e""", [*params, int(recent_days)]).iloc[0].to_dict()
        # theme_table's row count, without its aggregates: the Overview with a new filter at a million reviews read
        # the whole theme table here (0.3 s) and again for its own table
        facts, params = self._snippet_facts(filters)
        row["themes"] = int(self.scalar(f"""{facts} SELECT count(*) FROM (SELECT DISTINCT dataset_id, theme_id FROM facts) a
            JOIN themes t ON t.dataset_id = a.dataset_id AND t.theme_id = a.theme_id""", params))
        return row

    def rating_moments(self, filters=None, window_days: int = 21) -> dict[str, dict[str, float]]:
        """Rated reviews' n, rating sum and sum of squares in the last ``window_days`` (ending at the newest review's
        day, as last_date and the Emerging issues window) and before them, under ``filters``: {"before": {...},
        "recent": {...}}. One scan of the filtered reviews, so the Overview can say whether the average rating moved
        without the drivers' flag aggregations."""
        empty = {"n": 0, "sum_y": 0.0, "sum_yy": 0.0}
        out = {"before": dict(empty), "recent": dict(empty)}
        for row in self._rating_moment_rows(filters, window_days).itertuples(index=False):
            out["recent" if row.recent else "before"] = {"n": int(row.n), "sum_y": float(row.sum_y),
                                                         "sum_yy": float(row.sum_yy)}
        return out

    def facet_rating_moments(self, by: str, filters=None, window_days: int = 21) -> pd.DataFrame:
        """:meth:`rating_moments` per product or category (``by``), in the same scan and with the same window (ending
        at the newest review under ``filters``, not each value's own): value, recent (bool), n, sum_y, sum_yy."""
        return self._rating_moment_rows(filters, window_days, {"product": "product", "category": "category"}[by])

    def _rating_moment_rows(self, filters, window_days: int, column: str | None = None) -> pd.DataFrame:
        where, params = self.review_filter(filters, "r")
        value = f"r.{column}" if column else "''"
        valued = " AND f.value <> ''" if column else ""  # the window ends at the newest review, valued or not
        return self.query_df(f"""WITH f AS (SELECT CAST(r.date AS DATE) AS day, r.rating, {value} AS value
                                          FROM reviews r WHERE {where} AND r.date IS NOT NULL),
                   e AS (SELECT max(day) AS last_day FROM f)
            SELECT f.value, f.day > e.last_day - CAST(? AS INTEGER) AS recent, count(*) AS n, sum(f.rating) AS sum_y,
                   sum(f.rating * f.rating) AS sum_yy
            FROM f, e WHERE f.rating IS NOT NULL{valued} GROUP BY 1, 2 ORDER BY 1, 2""",
                             [*params, int(window_days)])

    def last_date(self, filters=None):
        """The newest review date under ``filters`` (None when no review has one): where "recent" ends."""
        where, params = self.review_filter(filters, "r")
        value = self.scalar(f"SELECT max(r.date) FROM reviews r WHERE {where}", params)
        return None if value is None or pd.isna(value) else pd.Timestamp(value).normalize()

    def sentiment_over_time(self, filters=None, period: str = "week") -> pd.DataFrame:
        """Reviews per period and sentiment label, with the period's mean score and rating."""
        where, params = self.review_filter(filters, "r")
        return self.query_df(f"""
            SELECT CAST(date_trunc('{period}', r.date) AS DATE) AS period, r.sentiment, count(*) AS reviews,
                   avg(r.sentiment_score) AS score, avg(r.rating) AS rating
            FROM reviews r WHERE {where} AND r.date IS NOT NULL AND r.sentiment IS NOT NULL
            GROUP BY ALL ORDER BY period, r.sentiment""", params)

    def facet_theme_matrix(self, by: str, filters=None, top: int = 12, themes: int = 15) -> pd.DataFrame:
        """Mean snippet sentiment and volume per (product or category) x theme, for the busiest values and, among
        the themes their snippets fall in, the busiest that customers complain about (insights.heatmap_themes)."""
        from . import insights

        column = {"product": "product", "category": "category"}[by]
        facts, params = self._snippet_facts(filters)
        matrix = self.query_df(f"""{facts},
            busiest AS (SELECT {column} AS value FROM facts WHERE {column} <> '' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT {int(top)}),
            shown AS (SELECT f.* FROM facts f JOIN busiest b ON b.value = f.{column}),
            themes_top AS (SELECT theme_id, dataset_id FROM shown GROUP BY 1, 2 ORDER BY count(*) DESC, 2, 1 LIMIT {3 * int(themes)})
            SELECT f.{column} AS value, f.label AS theme, count(*) AS snippets, avg(f.score) AS sentiment,
                   avg(CASE WHEN f.sentiment = 'negative' THEN 1.0 ELSE 0.0 END) AS negative_share
            FROM shown f JOIN themes_top tt ON tt.theme_id = f.theme_id AND tt.dataset_id = f.dataset_id
            GROUP BY 1, 2 ORDER BY 1, 2""", params)
        return insights.heatmap_themes(matrix, themes)

    def facet_values(self, by: str, filters=None) -> pd.DataFrame:
        """Products or categories with review counts, busiest first."""
        column = {"product": "product", "category": "category"}[by]
        where, params = self.review_filter(filters, "r")
        return self.query_df(f"""SELECT r.{column} AS value, count(*) AS reviews, avg(r.rating) AS avg_rating,
                   avg(r.sentiment_score) AS sentiment FROM reviews r WHERE {where} AND r.{column} <> ''
                   GROUP BY 1 ORDER BY 2 DESC, 1""", params)

    def rating_distribution(self, by: str, filters=None, top: int = 12) -> pd.DataFrame:
        column = {"product": "product", "category": "category"}[by]
        where, params = self.review_filter(filters, "r")
        return self.query_df(f"""
            WITH busiest AS (SELECT {column} AS value FROM reviews r WHERE {where} AND {column} <> ''
                             GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT {int(top)})
            SELECT r.{column} AS value, CAST(round(r.rating) AS INTEGER) AS rating, count(*) AS reviews
            FROM reviews r JOIN busiest b ON b.value = r.{column}
            WHERE {where} AND r.rating IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""", params * 2)

    def quotes(self, polarity: str, filters=None, limit: int = 8) -> pd.DataFrame:
        """Top complaints (or praise): a clearly negative (or positive) snippet from each of the themes with the most
        mentions of that polarity, need themes before general-opinion ones ("General complaint (…)" says nothing to
        act on), then second quotes; with their context. Ordering by the most extreme score alone filled the demo's
        list with 2-6 character Chinese snippets (scored ±1.0) from small themes. Feature requests are left out
        ("希望有保温功能" scored positive is a wish, not praise; requests have their own list): each theme's ten best
        candidates are checked, so the flag is read for a few rows, not every snippet. Among those ten, the quotes
        that say something come first (themes.telling_examples, as the backlog and the report choose theirs): not a
        bare verdict ("highly recommend!"), not a connective and the label's noun ("就是京东")."""
        from .themes import is_general_opinion, telling_examples

        facts, params = self._snippet_facts(filters)
        # how typical of its theme and how clearly negative (positive) together, as the backlog's quotes are ranked
        # (negative_evidence): by score alone, a stray led the demo's list, "Sleeves are short and the whole thing
        # runs a size small." quoted for the wishes theme
        sign = "-" if polarity == "negative" else ""
        rows = self.query_df(f"""{facts},
            polar AS (SELECT *, COALESCE(theme_similarity, 1) * {sign}score AS strength FROM facts WHERE sentiment = ?),
            -- each theme's ten strongest in one top-n aggregate beside its count, not a window sorting every polar
            -- fact (0.56 s of the Products page's praise on 80% of a million reviews)
            tops AS (SELECT dataset_id, theme_id, count(*) AS mentions,
                            arg_max({{'snippet_id': snippet_id, 'strength': strength, 'label': label, 'score': score,
                                      'product': product, 'category': category, 'rating': rating, 'date': date,
                                      'lang': lang}}, (strength, -snippet_id), 10) AS top
                     FROM polar GROUP BY ALL),
            best AS (SELECT dataset_id, theme_id, mentions, unnest(top, recursive := true) FROM tops),
            ranked AS (SELECT best.*, row_number() OVER (PARTITION BY best.dataset_id, best.theme_id
                                                         ORDER BY best.strength DESC, best.snippet_id) AS k
                       FROM best JOIN snippets s ON s.dataset_id = best.dataset_id AND s.snippet_id = best.snippet_id
                       WHERE NOT coalesce(s.is_request, FALSE)),
            busiest AS (SELECT DISTINCT dataset_id, theme_id, mentions FROM ranked
                        ORDER BY mentions DESC, dataset_id, theme_id LIMIT {3 * int(limit)})
            SELECT r.dataset_id, r.theme_id, r.label AS theme, sn.text AS quote, round(r.score, 2) AS score, r.product,
                   r.category, r.rating, CAST(r.date AS DATE) AS date, r.lang, r.k, b.mentions
            FROM ranked r JOIN busiest b USING (dataset_id, theme_id)
            JOIN snippets sn ON sn.dataset_id = r.dataset_id AND sn.snippet_id = r.snippet_id
            ORDER BY b.mentions DESC, r.dataset_id, r.theme_id, r.k""", params + [polarity])
        columns = ["theme", "quote", "score", "product", "category", "rating", "date"]
        if rows.empty:
            return rows[columns]
        chosen = []
        for _, candidates in rows.groupby(["dataset_id", "theme_id"], sort=False):
            candidates = candidates.drop_duplicates("quote")  # each wording once ("Runs small." is written word for word)
            langs = candidates["lang"].dropna().mode()
            lang = langs.iloc[0] if len(langs) else "en"
            said = telling_examples(candidates["quote"].tolist(), candidates["theme"].iloc[0], [], lang, 2)
            picked = candidates.set_index("quote", drop=False).loc[said]
            chosen.append(picked.assign(k=range(1, len(picked) + 1)))
        rows = pd.concat(chosen, ignore_index=True)
        rows = rows.sort_values(["k", "mentions"], ascending=[True, False], kind="stable")
        general = rows["theme"].map(is_general_opinion).to_numpy()
        rows = rows.assign(general=general).sort_values(["k", "general"], kind="stable").head(int(limit))
        return rows[columns].reset_index(drop=True)

    # --- searches ---------------------------------------------------------------------------------------------

    def search_filter(self, filters, alias: str = "s") -> tuple[str, list[Any]]:
        """Searches follow the date range of the global filters."""
        from .filters import Filters

        filters = filters if isinstance(filters, Filters) else Filters()
        conditions, params = ["TRUE"], []
        _date_conditions(filters, alias, conditions, params)
        return " AND ".join(conditions), params

    def top_queries(self, filters=None, limit: int = 15, recent_days: int = 28) -> pd.DataFrame:
        """Queries by volume, with their recent vs earlier daily rate (growth) and how well they were served."""
        where, params = self.search_filter(filters)
        return self.query_df(f"""
            WITH s AS (SELECT lower(trim(query)) AS q, * FROM searches s WHERE {where}),
            cut AS (SELECT max(date) - INTERVAL {int(recent_days)} DAY AS c, min(date) AS first FROM s)
            SELECT q AS query, count(*) AS searches,
                   avg(CAST(result_count = 0 AS DOUBLE)) AS zero_result_share,
                   avg(CAST(clicked <> '' AS DOUBLE)) AS click_share,
                   avg(relevance) AS relevance, avg(served) AS served, avg(title_match) AS title_match,
                   count(*) FILTER (WHERE date > (SELECT c FROM cut)) / {int(recent_days)}.0 AS recent_per_day,
                   count(*) FILTER (WHERE date <= (SELECT c FROM cut)) /
                       GREATEST(date_diff('day', (SELECT first FROM cut), (SELECT c FROM cut)), 1) AS earlier_per_day
            FROM s GROUP BY q ORDER BY searches DESC, q LIMIT {int(limit)}""", params)

    def intent_table(self, filters=None, min_type_share: float = INTENT_TYPE_MIN_SHARE) -> pd.DataFrame:
        """Search intents with demand (volume), how well they are served and their unmet searches (searches x how far
        their served score falls below the typical search's; Store.unmet_queries), joined to the matched review theme
        and to a need type: the commonest of their queries' own need types other than "other", where it covers at
        least ``min_type_share`` of their searches ("cheap smartwatch / budget smart watch": price/value). Most unmet
        first, then most searched."""
        where, params = self.search_filter(filters)
        return self.query_df(f"""
            WITH et AS ({self.EFFECTIVE_THEMES}),
            s AS (SELECT * FROM searches s WHERE {where}), typical AS (SELECT avg(served) AS t FROM s),
            theme_sent AS (SELECT se.dataset_id, sn.theme_id, avg(se.score) AS theme_sentiment
                           FROM sentiment se JOIN snippets sn USING (dataset_id, snippet_id) GROUP BY 1, 2),
            typed AS (SELECT dataset_id, intent_id, arg_max(need_type, (n, need_type)) AS need_type, max(n) AS n
                      FROM (SELECT dataset_id, intent_id, need_type, count(*) AS n FROM s
                            WHERE need_type IS NOT NULL AND need_type <> 'other' GROUP BY ALL) GROUP BY ALL)
            SELECT i.dataset_id, i.intent_id, i.label, i.keywords, i.examples, count(s.search_id) AS searches,
                   avg(s.served) AS served,
                   CASE WHEN avg(s.served) IS NOT NULL  -- GREATEST skips NULLs: an unknown served is not "0 unmet"
                        THEN count(s.search_id) * GREATEST((SELECT t FROM typical) - avg(s.served), 0) END AS unmet_searches,
                   CASE WHEN any_value(ty.n) >= ? * count(s.search_id) THEN any_value(ty.need_type)
                        WHEN count(s.need_type) > 0 THEN 'other' END AS need_type,
                   avg(CAST(s.result_count = 0 AS DOUBLE)) AS zero_result_share,
                   avg(CAST(s.clicked <> '' AS DOUBLE)) AS click_share,
                   avg(s.relevance) AS relevance, avg(s.title_match) AS title_match,
                   any_value(et.label) AS theme, any_value(i.theme_similarity) AS theme_match,
                   any_value(ts.theme_sentiment) AS theme_sentiment
            FROM intents i JOIN s ON s.dataset_id = i.dataset_id AND s.intent_id = i.intent_id
            LEFT JOIN typed ty ON ty.dataset_id = i.dataset_id AND ty.intent_id = i.intent_id
            LEFT JOIN et ON et.dataset_id = i.theme_dataset_id AND et.raw_theme_id = i.theme_id
            LEFT JOIN theme_sent ts ON ts.dataset_id = i.theme_dataset_id AND ts.theme_id = i.theme_id
            GROUP BY i.dataset_id, i.intent_id, i.label, i.keywords, i.examples
            ORDER BY unmet_searches DESC NULLS LAST, searches DESC, i.dataset_id, i.intent_id""",
                             [*params, float(min_type_share)])

    def search_need_types(self, filters=None) -> pd.DataFrame:
        """Searches per need type of their query (the same taxonomy as the reviews' snippets), with how well they
        were served and the type's share of all searches; "other" (a product name: "coffee maker") left out."""
        where, params = self.search_filter(filters)
        return self.query_df(f"""
            WITH s AS (SELECT * FROM searches s WHERE {where})
            SELECT need_type, count(*) AS searches, count(*) / (SELECT count(*) FROM s) AS share,
                   count(DISTINCT lower(trim(query))) AS queries, avg(served) AS served,
                   avg(CAST(result_count = 0 AS DOUBLE)) AS zero_result_share,
                   arg_max(lower(trim(query)), query_n) AS top_query
            FROM (SELECT *, count(*) OVER (PARTITION BY lower(trim(query))) AS query_n FROM s)
            WHERE need_type IS NOT NULL AND need_type <> 'other'
            GROUP BY 1 ORDER BY searches DESC, 1""", params)

    def unmet_queries(self, filters=None, limit: int = 20, ratio: float = UNMET_RATIO) -> pd.DataFrame:
        """Queries searched at least 3 times whose searches are served (core.insights.served_scores) at under
        ``ratio`` of the typical search's (the mean over the searches in view: a log where 1 in 5 clicks converts
        serves a good search at about 0.4), most unmet searches first: searches x (typical - this query's served),
        the searches that would have been served had the query done as well as the typical one."""
        where, params = self.search_filter(filters)
        return self.query_df(f"""
            WITH s AS (SELECT * FROM searches s WHERE {where}), typical AS (SELECT avg(served) AS t FROM s)
            SELECT lower(trim(query)) AS query, count(*) AS searches, avg(served) AS served,
                   count(*) * ((SELECT t FROM typical) - avg(served)) AS unmet_searches, any_value(need_type) AS need_type,
                   avg(CAST(result_count = 0 AS DOUBLE)) AS zero_result_share,
                   avg(CAST(clicked <> '' AS DOUBLE)) AS click_share, avg(relevance) AS relevance,
                   avg(title_match) AS title_match
            FROM s GROUP BY 1
            HAVING count(*) >= 3 AND avg(served) < ? * (SELECT t FROM typical)
            ORDER BY unmet_searches DESC, 1 LIMIT {int(limit)}""", [*params, float(ratio)])

    def export_reviews(self, filters=None, limit: int | None = None) -> pd.DataFrame:
        """One row per loaded review with its sentiment, main theme (after PM edits), keywords and commonest need
        type (a tie goes to the earlier snippet's); the first ``limit`` rows only, when given (their keywords and
        need types alone are aggregated: 2,000 rows of a million-review workspace in well under a second)."""
        where, params = self.review_filter(filters, "r")
        only = "SEMI JOIN r USING (dataset_id, review_id)" if limit else ""  # a full export aggregates everything
        return self.query_df(f"""
            WITH et AS ({self.EFFECTIVE_THEMES}),
            r AS (SELECT * FROM reviews r WHERE {where} ORDER BY r.dataset_id, r.row_no{f" LIMIT {int(limit)}" if limit else ""}),
            kw AS (SELECT k.dataset_id, k.review_id, string_agg(k.keyword, '; ' ORDER BY k.rank) AS keywords
                   FROM keywords k {only} GROUP BY 1, 2),
            nt AS (SELECT dataset_id, review_id, arg_max(need_type, (n, -first)) AS need_type
                   FROM (SELECT sn.dataset_id, sn.review_id, sn.need_type, count(*) AS n, min(sn.position) AS first
                         FROM snippets sn {only}
                         WHERE sn.need_type <> 'other' GROUP BY 1, 2, 3) GROUP BY 1, 2)
            SELECT r.dataset_id, r.review_id, r.text, r.title, r.rating, r.product, r.category, r.date, r.user_id,
                   r.lang, r.sentiment, round(r.sentiment_score, 4) AS sentiment_score, r.mixed,
                   CASE WHEN et.hidden THEN NULL ELSE et.theme_id END AS theme_id,
                   CASE WHEN et.hidden THEN NULL ELSE et.label END AS theme_label, kw.keywords, nt.need_type
            FROM r LEFT JOIN et ON et.dataset_id = r.dataset_id AND et.raw_theme_id = r.theme_id
            LEFT JOIN kw ON kw.dataset_id = r.dataset_id AND kw.review_id = r.review_id
            LEFT JOIN nt ON nt.dataset_id = r.dataset_id AND nt.review_id = r.review_id
            ORDER BY r.dataset_id, r.row_no""", params)

    def count_reviews(self, filters=None) -> int:
        where, params = self.review_filter(filters, "r")
        return int(self.query_df(f"SELECT count(*) AS n FROM reviews r WHERE {where}", params).iloc[0, 0])

    def theme_centroids(self) -> pd.DataFrame:
        """Computed themes with their centroids, for matching search intents uploaded on their own."""
        return self.query_df("SELECT dataset_id, theme_id, lang, model, centroid FROM themes WHERE centroid IS NOT NULL")

    def product_aspects(self, top_themes: int = 15, filters=None) -> pd.DataFrame:
        """Per product and theme: mentions and summed snippet sentiment, plus the product's review count."""
        facts, params = self._snippet_facts(filters)
        return self.query_df(f"""{facts},
            counts AS (SELECT product, count(*) AS reviews FROM reviews WHERE product <> '' GROUP BY 1)
            SELECT f.product, f.label AS theme, count(*) AS mentions, sum(f.score) AS score_sum,
                   any_value(c.reviews) AS reviews
            FROM facts f JOIN counts c USING (product) WHERE f.product <> '' GROUP BY 1, 2""", params)

    def product_snippet_hashes(self, per_product: int = 200) -> pd.DataFrame:
        """Up to ``per_product`` English-route snippet hashes per product (for product vectors)."""
        return self.query_df(f"""
            SELECT product, text_hash FROM (
              SELECT r.product, sn.text_hash, row_number() OVER (PARTITION BY r.product ORDER BY sn.snippet_id) AS k
              FROM snippets sn JOIN reviews r USING (dataset_id, review_id)
              WHERE r.product <> '' AND sn.lang <> 'zh') WHERE k <= {int(per_product)}""")

    def embedding_models(self) -> list[str]:
        return self.query_df("SELECT model, count(*) AS n FROM embeddings GROUP BY 1 ORDER BY 2 DESC")["model"].tolist()

    def last_simulation_params(self) -> dict | None:
        """The settings of the last simulation stored in the workspace (None when there is none)."""
        found = self.query_df("SELECT params FROM simulations ORDER BY created_at DESC LIMIT 1")
        if found.empty:
            return None
        try:
            params = json.loads(found["params"].iloc[0])
        except (TypeError, ValueError):
            return None
        return params if isinstance(params, dict) and params else None

    def write_interactions(self, frame: pd.DataFrame, simulated: bool, params: dict | None = None) -> None:
        """Replace the lab's interactions (one transaction)."""
        rows = frame.rename(columns={"user": "user_id"})[["user_id", "item", "event", "value", "ts"]].assign(
            simulated=simulated)
        with self.transaction() as cur:
            cur.execute("DELETE FROM interactions")
            cur.register("rows_in", rows)
            cur.execute("INSERT INTO interactions BY NAME SELECT * FROM rows_in")
            cur.execute("INSERT INTO simulations VALUES (now(), ?, ?)", [json.dumps(params or {}), len(rows)])
            self._bump_version(cur)

    # --- latent needs -----------------------------------------------------------------------------------------

    def taxonomy(self) -> pd.DataFrame | None:
        frame = self.query_df("SELECT name, description_en, description_zh, examples FROM taxonomy ORDER BY position")
        return None if frame.empty else frame

    def save_taxonomy(self, frame: pd.DataFrame) -> None:
        rows = frame.reset_index(drop=True).assign(position=lambda f: range(len(f)))[
            ["position", "name", "description_en", "description_zh", "examples"]]
        with self.transaction() as cur:
            cur.execute("DELETE FROM taxonomy")
            cur.register("rows_in", rows)
            cur.execute("INSERT INTO taxonomy BY NAME SELECT * FROM rows_in")

    def snippets_for_need_types(self) -> pd.DataFrame:
        """Every snippet's keys and language, and the text of the Chinese ones (typed by their words too)."""
        return self.query_df("SELECT dataset_id, snippet_id, text_hash, lang, "
                             "CASE WHEN lang = 'zh' THEN text END AS text FROM snippets ORDER BY dataset_id, snippet_id")

    def set_need_types(self, frame: pd.DataFrame) -> None:
        """Replace every snippet's need type in one transaction (columns dataset_id, snippet_id, need_type)."""
        with self.transaction() as cur:
            cur.register("types_in", frame[["dataset_id", "snippet_id", "need_type"]])
            cur.execute("UPDATE snippets SET need_type = t.need_type FROM types_in t "
                        "WHERE snippets.dataset_id = t.dataset_id AND snippets.snippet_id = t.snippet_id")
            self._bump_version(cur)

    def queries_for_need_types(self) -> pd.DataFrame:
        """Every distinct query (lower-cased and trimmed, as the pipeline typed it)."""
        return self.query_df("SELECT DISTINCT lower(trim(query)) AS query FROM searches ORDER BY 1")

    def set_query_need_types(self, frame: pd.DataFrame) -> None:
        """Set the need type of every search of each query (columns query, need_type) in one transaction."""
        with self.transaction() as cur:
            cur.register("query_types_in", frame[["query", "need_type"]])
            cur.execute("UPDATE searches SET need_type = t.need_type FROM query_types_in t "
                        "WHERE lower(trim(searches.query)) = t.query")
            self._bump_version(cur)

    def need_type_table(self, filters=None) -> pd.DataFrame:
        facts, params = self._snippet_facts(filters)
        return self.query_df(f"""{facts}
            SELECT f.need_type, count(*) AS snippets, count(DISTINCT f.review_key) AS reviews, avg(f.score) AS sentiment,
                   avg(CASE WHEN f.sentiment = 'negative' THEN 1.0 ELSE 0.0 END) AS negative_share
            FROM facts f GROUP BY 1 ORDER BY 2 DESC, 1""", params)

    def request_snippets(self, filters=None, names_version: str | None = None) -> pd.DataFrame:
        """The snippets flagged as requests, with their review's product and date and their theme as a PM sees it;
        also the themes of the two snippets before it in its review and of the one after (theme_before,
        theme_before2, theme_after): what a bare "有待改进!" asks to improve is said next to it. ``named``: what it asks
        for as stored by code of ``names_version`` (put_request_names), else NULL."""
        where, params = self.review_filter(filters, "r")
        # a reader of a workspace from before schema 14 (not migrated: read-only) has no stored names
        named = names_version is not None and self._has_table("request_names")
        # the neighbours come from the asking reviews' snippets only: three joins against every snippet built three
        # hash tables of all of them (0.55 s of the Feature requests tab with Language = en at a million reviews)
        neighbours = "".join(f"""
                   LEFT JOIN near {n} ON {n}.dataset_id = sn.dataset_id AND {n}.review_id = sn.review_id
                                     AND {n}.position = sn.position + {offset}
                   LEFT JOIN et e{n} ON e{n}.dataset_id = {n}.dataset_id AND e{n}.raw_theme_id = {n}.theme_id
                                     AND NOT e{n}.hidden""" for n, offset in (("p1", -1), ("p2", -2), ("n1", 1)))
        return self.query_df(f"""WITH et AS ({self.EFFECTIVE_THEMES}),
            asks AS (SELECT sn.*, r.product, r.date FROM snippets sn JOIN reviews r USING (dataset_id, review_id)
                     WHERE sn.is_request AND {where}),
            near AS (SELECT n.dataset_id, n.review_id, n.position, n.theme_id FROM snippets n
                     SEMI JOIN (SELECT DISTINCT dataset_id, review_id FROM asks) a
                       ON a.dataset_id = n.dataset_id AND a.review_id = n.review_id)
            SELECT sn.dataset_id, sn.snippet_id, sn.text_hash, sn.text, sn.lang, sn.product, sn.review_id, sn.date,
                   e.label AS theme, ep1.label AS theme_before, ep2.label AS theme_before2, en1.label AS theme_after,
                   {"rn.thing" if named else "NULL::VARCHAR"} AS named
            FROM asks sn
                   LEFT JOIN et e ON e.dataset_id = sn.dataset_id AND e.raw_theme_id = sn.theme_id AND NOT e.hidden
                   {neighbours}
                   {"LEFT JOIN request_names rn ON rn.text_hash = sn.text_hash AND rn.version = ?" if named else ""}
            ORDER BY sn.dataset_id, sn.snippet_id""", [*params, names_version] if named else params)

    def request_days(self, filters=None, names_version: str | None = None) -> pd.DataFrame:
        """The request snippets' name as stored by code of ``names_version`` (``named``, NULL where none; then the
        ``text`` to name it by, else NULL), review (a 64-bit hash of its dataset and id) and date: what
        core.needs.request_mentions counts. One scan, where request_snippets also reads each ask's neighbours and text
        (0.11 s against 0.4-0.6 s with the English filter on a million reviews)."""
        where, params = self.review_filter(filters, "r")
        if names_version is None or not self._has_table("request_names"):
            return self.query_df(f"""SELECT sn.text, NULL::VARCHAR AS named, hash(sn.dataset_id, sn.review_id) AS review,
                       r.date
                FROM snippets sn JOIN reviews r USING (dataset_id, review_id) WHERE sn.is_request AND {where}""", params)
        return self.query_df(f"""SELECT CASE WHEN rn.thing IS NULL THEN sn.text END AS text, rn.thing AS named,
                   hash(sn.dataset_id, sn.review_id) AS review, r.date
            FROM snippets sn JOIN reviews r USING (dataset_id, review_id)
                 LEFT JOIN request_names rn ON rn.text_hash = sn.text_hash AND rn.version = ?
            WHERE sn.is_request AND {where}""", [names_version, *params])

    def request_names_stale(self, names_version: str) -> bool:
        """True when some snippet asks for something and no request name is stored by code of ``names_version``."""
        if not self._has_table("request_names"):
            return False
        return bool(self.scalar("""SELECT EXISTS (SELECT 1 FROM snippets WHERE is_request)
                                   AND NOT EXISTS (SELECT 1 FROM request_names WHERE version = ?)""", [names_version]))

    def unnamed_requests(self, names_version: str) -> pd.DataFrame:
        """The distinct request texts (text_hash, text) with no name stored by code of ``names_version``."""
        return self.query_df("""SELECT DISTINCT sn.text_hash, sn.text FROM snippets sn
            ANTI JOIN request_names rn ON rn.text_hash = sn.text_hash AND rn.version = ?
            WHERE sn.is_request""", [names_version])

    def put_request_names(self, names_version: str, names: pd.DataFrame) -> None:
        """Store what request texts ask for (text_hash, thing) as named by code of ``names_version``; names of other
        versions, and of texts no longer asked, go."""
        if self.read_only:
            return
        with self.transaction() as cur:
            cur.execute("DELETE FROM request_names WHERE version <> ?", [names_version])
            cur.execute(self._UNASKED_NAMES)
            if not names.empty:
                cur.register("named_rows", names[["text_hash", "thing"]].drop_duplicates("text_hash"))
                cur.execute("INSERT OR REPLACE INTO request_names SELECT text_hash, ?, thing FROM named_rows",
                            [names_version])
                cur.unregister("named_rows")

    def theme_mentions(self, filters=None) -> pd.DataFrame:
        """One row per (review, effective theme, polarity) and per snippet date, for drivers and emerging issues."""
        facts, params = self._snippet_facts(filters, text=True)
        return self.query_df(f"""{facts}
            SELECT dataset_id, review_id, theme_id, label AS theme, sentiment AS polarity, rating, date, product,
                   text, score FROM facts""", params)

    def driver_moments(self, filters=None) -> dict:
        """Sufficient statistics of the rating-driver regression (core.needs.drivers_from_moments): rated reviews' n,
        sum and sum of squares of the rating; per (theme, polarity) flag its reviews and rating sum; reviews sharing
        each pair of flags; polar reviews per theme. DuckDB reduces the facts to integer-coded flags (one row per
        review and flag); X'X is then one sparse product, so a million reviews never leave DuckDB as text."""
        from scipy import sparse

        grouped = self.flag_groups(filters, rated=True)
        if grouped is not None:
            return self._driver_moments_from_groups(*grouped)
        facts, params = self._snippet_facts(filters)
        totals = self.query_df(f"""{facts}, rated AS (SELECT DISTINCT review_key, rating FROM facts
                                                      WHERE rating IS NOT NULL)
            SELECT count(*) AS n, COALESCE(sum(rating), 0) AS sum_y, COALESCE(sum(rating * rating), 0) AS sum_yy
            FROM rated""", params).iloc[0]
        empty = {"n": int(totals.n), "sum_y": float(totals.sum_y), "sum_yy": float(totals.sum_yy),
                 "columns": pd.DataFrame(columns=["theme", "polarity", "n", "sum_y"]),
                 "xtx": pd.DataFrame(columns=["theme_a", "polarity_a", "theme_b", "polarity_b", "n"]),
                 "themes": pd.DataFrame(columns=["theme", "reviews"])}
        polar = "rating IS NOT NULL AND sentiment <> 'neutral'"  # rated reviews' positive or negative mentions
        names = self.query_df(f"{facts} SELECT DISTINCT label AS theme, sentiment AS polarity FROM facts WHERE {polar} "
                              "ORDER BY 1, 2", params)
        if names.empty:
            return empty
        coded = self.query_df(f"""{facts},
            cols AS (SELECT label, sentiment, row_number() OVER (ORDER BY label, sentiment) - 1 AS c
                     FROM (SELECT DISTINCT label, sentiment FROM facts WHERE {polar}))
            SELECT DISTINCT f.review_key AS review, cols.c, f.rating
            FROM facts f JOIN cols USING (label, sentiment) WHERE f.rating IS NOT NULL AND f.sentiment <> 'neutral'""",
                              params)
        review, _ = pd.factorize(coded["review"].to_numpy())  # rows of X: any order serves X'X
        column = coded["c"].to_numpy(np.int64)
        k = len(names)
        x = sparse.csr_matrix((np.ones(len(coded)), (review, column)), shape=(review.max() + 1, k))
        xtx = (x.T @ x).tocoo()
        columns = names.assign(n=np.bincount(column, minlength=k),
                               sum_y=np.bincount(column, weights=coded["rating"].to_numpy(float), minlength=k))
        theme, polarity = names["theme"].to_numpy(), names["polarity"].to_numpy()
        pairs = pd.DataFrame({"theme_a": theme[xtx.row], "polarity_a": polarity[xtx.row], "theme_b": theme[xtx.col],
                              "polarity_b": polarity[xtx.col], "n": xtx.data.astype(int)})
        # reviews with a polar mention of a theme = negative + positive - both (the both count is an X'X cell)
        both = pairs[(pairs["theme_a"] == pairs["theme_b"]) & (pairs["polarity_a"] == "negative")
                     & (pairs["polarity_b"] == "positive")].set_index("theme_a")["n"]
        themes = columns.groupby("theme")["n"].sum().sub(both, fill_value=0).astype(int).rename("reviews").reset_index()
        return {**empty, "columns": columns, "xtx": pairs, "themes": themes}

    @staticmethod
    def _driver_moments_from_groups(groups: pd.DataFrame, members: pd.DataFrame, labels: np.ndarray) -> dict:
        """driver_moments from flag groups: the same statistics as weighted sums, each group standing for its n
        reviews (X'X = X_g' diag(n) X_g over the groups' 0/1 rows)."""
        from scipy import sparse

        members = members[~members["hidden"]]
        kept = np.unique(members["group"].to_numpy())  # reviews with a visible themed snippet, as the facts hold them
        n, y, yy = (groups[c].to_numpy()[kept] for c in ("n", "sum_y", "sum_yy"))
        empty = {"n": int(n.sum()), "sum_y": float(y.sum()), "sum_yy": float(yy.sum()),
                 "columns": pd.DataFrame(columns=["theme", "polarity", "n", "sum_y"]),
                 "xtx": pd.DataFrame(columns=["theme_a", "polarity_a", "theme_b", "polarity_b", "n"]),
                 "themes": pd.DataFrame(columns=["theme", "reviews"])}
        polar = members[members["polarity"] != POLARITIES.index("neutral")]
        if polar.empty:
            return empty
        group, label = polar["group"].to_numpy(), polar["label"].to_numpy(np.int64)
        codes, column = np.unique(label * 3 + polar["polarity"].to_numpy(), return_inverse=True)  # (label, polarity)
        theme, polarity = labels[codes // 3], np.asarray(POLARITIES, dtype=object)[codes % 3]
        weight = groups["n"].to_numpy(float)

        def indicator(col: np.ndarray, k: int) -> sparse.csr_matrix:  # groups x k, 1 where a group has the flag
            x = sparse.csr_matrix((np.ones(len(col)), (group, col)), shape=(len(groups), k))
            x.data[:] = 1.0  # a merged theme's two raw flags in one review count once
            return x

        x = indicator(column, len(codes))
        xtx = (x.T @ sparse.diags(weight) @ x).tocoo()
        columns = pd.DataFrame({"theme": theme, "polarity": polarity, "n": (x.T @ weight).round().astype(np.int64),
                                "sum_y": x.T @ groups["sum_y"].to_numpy(float)})
        cross = pd.DataFrame({"theme_a": theme[xtx.row], "polarity_a": polarity[xtx.row], "theme_b": theme[xtx.col],
                              "polarity_b": polarity[xtx.col], "n": xtx.data.round().astype(int)})
        present, theme_column = np.unique(label, return_inverse=True)  # reviews with a polar mention of each theme
        themes = pd.DataFrame({"theme": labels[present],
                               "reviews": (indicator(theme_column, len(present)).T @ weight).round().astype(int)})
        return {**empty, "columns": columns, "xtx": cross, "themes": themes}

    def negative_theme_days(self, filters=None) -> pd.DataFrame:
        """Negative mentions per theme and day (the input of emerging issues)."""
        facts, params = self._snippet_facts(filters)
        return self.query_df(f"""{facts} SELECT label AS theme, CAST(date AS DATE) AS date, count(*) AS n FROM facts
            WHERE sentiment = 'negative' AND date IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""", params).assign(
            date=lambda f: pd.to_datetime(f["date"]))

    def theme_keys(self, labels, filters=None) -> pd.DataFrame:
        """The effective themes (dataset_id, theme_id) named by each of ``labels`` among the filtered facts, with their
        complaints, the most complained-about first: label, dataset_id, theme_id, complaints. Emerging issues name a
        theme by its label (several datasets' themes can share one); their quotes need its ids."""
        labels = list(labels)
        if not labels:
            return pd.DataFrame(columns=["label", "dataset_id", "theme_id", "complaints"])
        facts, params = self._snippet_facts(filters)
        return self.query_df(f"""{facts} SELECT label, dataset_id, theme_id,
                   count(*) FILTER (WHERE sentiment = 'negative') AS complaints
            FROM facts WHERE label IN ({", ".join("?" * len(labels))})
            GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2, 3""", [*params, *labels])

    def facet_negative_themes(self, by: str, values, filters=None, since=None) -> pd.DataFrame:
        """Negative mentions per product (or category, ``by``) of ``values`` and effective theme, dated after
        ``since`` (recent) or up to it: value, dataset_id, theme_id, theme (its label), recent (bool), n. One scan of
        the snippet facts for every value (the evidence of core.latent.rating_falls), where Store.negative_theme_days
        filtered to each value would scan once each."""
        column = {"product": "product", "category": "category"}[by]
        values = list(values)
        if not values:
            return pd.DataFrame(columns=["value", "dataset_id", "theme_id", "theme", "recent", "n"])
        facts, params = self._snippet_facts(filters)
        return self.query_df(f"""{facts} SELECT {column} AS value, dataset_id, theme_id, any_value(label) AS theme,
                   CAST(date AS DATE) > CAST(? AS DATE) AS recent, count(*) AS n
            FROM facts WHERE sentiment = 'negative' AND date IS NOT NULL AND {column} IN ({", ".join("?" * len(values))})
            GROUP BY 1, 2, 3, 5 ORDER BY 1, 2, 3, 5""", [*params, since, *values])

    def negative_evidence(self, filters=None, top_products: int = 3, candidates: int = 30) -> pd.DataFrame:
        """Per effective theme: its complaints most worth quoting, best first, and the products with the most negative
        mentions.

        The complaints are ranked by how typical of the theme and how clearly negative they are together (cosine to
        the centroid x -score), not by negativity alone: in a theme that holds a few strays, the most negative snippet
        is often a stray (the bundled demo's Chinese price theme was quoted as "快递太慢", its ease-of-use theme as
        "续航太短了"; now "价格太贵了" and "操作太复杂"). ``example`` is the first; core.latent picks the first that says
        what is wrong."""
        facts, params = self._snippet_facts(filters)
        return self.query_df(f"""{facts},
            neg AS (SELECT * FROM facts WHERE sentiment = 'negative'),
            best AS (SELECT dataset_id, theme_id,  -- a top-n aggregate: a tenth of a window's time on 2M complaints
                            arg_max(snippet_id, (COALESCE(theme_similarity, 1) * -score, -snippet_id),
                                    {5 * int(candidates)}) AS ids
                     FROM neg GROUP BY 1, 2),
            ranked AS (SELECT dataset_id, theme_id, unnest(ids) AS snippet_id, unnest(range(1, len(ids) + 1)) AS rank
                       FROM best),
            texts AS (SELECT r.dataset_id, r.theme_id, sn.text, min(r.rank) AS rank  -- "服务一般" said ten times: once
                      FROM ranked r JOIN snippets sn ON sn.dataset_id = r.dataset_id AND sn.snippet_id = r.snippet_id
                      GROUP BY 1, 2, 3
                      QUALIFY row_number() OVER (PARTITION BY r.dataset_id, r.theme_id ORDER BY min(r.rank))
                              <= {int(candidates)}),
            quoted AS (SELECT dataset_id, theme_id, list(text ORDER BY rank) AS examples FROM texts GROUP BY 1, 2),
            prod AS (SELECT dataset_id, theme_id, product, count(*) AS n FROM neg WHERE product <> '' GROUP BY 1, 2, 3
                     QUALIFY row_number() OVER (PARTITION BY dataset_id, theme_id ORDER BY n DESC, product) <= {int(top_products)}),
            products AS (SELECT dataset_id, theme_id, list(product || ' (' || n || ')' ORDER BY n DESC, product) AS products
                         FROM prod GROUP BY 1, 2)
            SELECT q.dataset_id, q.theme_id, q.examples[1] AS example, q.examples, COALESCE(p.products, []) AS products
            FROM quoted q LEFT JOIN products p ON p.dataset_id = q.dataset_id AND p.theme_id = q.theme_id""", params)

    # a theme takes its commonest need type only when that type is at least this share of its snippets: a theme of
    # book plots typed 91% "other" took service/returns from 1.9% of them (nineteenth session, online_shopping sample;
    # the demo's themes are typed by 36% or more of their snippets); raised to 10% in the twenty-fourth session: on
    # 3,000 hotel reviews the themes a type named were typed by 15% or more, and those it misnamed by 4-7% ("周围环境"
    # as missing feature/wish from advice to other guests, "地理位置" and "步行 分钟" as price/value)
    THEME_TYPE_MIN_SHARE = 0.10

    def theme_need_types(self, filters=None) -> pd.DataFrame:
        """The commonest need type (other than 'other') of each effective theme's snippets, or NULL when it covers
        less than THEME_TYPE_MIN_SHARE of them."""
        facts, params = self._snippet_facts(filters)
        return self.query_df(f"""{facts}
            SELECT dataset_id, theme_id,  -- a tie goes to the later name, so the answer never varies
                   CASE WHEN max(n) FILTER (WHERE need_type <> 'other') >= {self.THEME_TYPE_MIN_SHARE} * sum(n)
                        THEN arg_max(need_type, (n, need_type)) FILTER (WHERE need_type <> 'other') END AS need_type
            FROM (SELECT dataset_id, theme_id, need_type, count(*) AS n FROM facts GROUP BY 1, 2, 3) GROUP BY 1, 2""", params)

    # --- sentiment against the stars ---------------------------------------------------------------------------

    def rated_reviews(self, dataset_id: int) -> pd.DataFrame:
        """Reviews with their text, language, rating and sentiment (the input of star calibration)."""
        return self.query_df("SELECT review_id, text, lang, rating, sentiment, sentiment_score FROM reviews "
                             "WHERE dataset_id = ? ORDER BY row_no", [dataset_id])

    def titled_reviews(self, dataset_id: int, star_summary: str) -> int:
        """How many reviews of one dataset have a title other than a marketplace's star summary (a regex)."""
        return int(self.scalar("SELECT count(*) FROM reviews WHERE dataset_id = ? AND trim(coalesce(title, '')) <> '' "
                               "AND NOT regexp_matches(trim(title), ?)", [dataset_id, star_summary]) or 0)

    def cut_reviews(self, dataset_id: int, mark: str) -> int:
        """How many reviews of one dataset the file had cut at a length limit (their text ends in ``mark``)."""
        return int(self.scalar("SELECT count(*) FROM reviews WHERE dataset_id = ? AND ends_with(text, ?)",
                               [dataset_id, mark]) or 0)

    def star_scores(self, dataset_id: int) -> pd.DataFrame:
        """Rating and sentiment of every review of one dataset, without the text (star agreement on the Data page)."""
        return self.query_df("SELECT rating, sentiment_score, sentiment FROM reviews WHERE dataset_id = ?", [dataset_id])

    def base_sentiment(self, dataset_id: int) -> pd.DataFrame:
        """Snippets with the bundled (not adapted) sentiment score, and reviews re-rolled from it."""
        return self.query_df("""SELECT sn.dataset_id, sn.snippet_id, sn.review_id, sn.text, sn.lang,
                   COALESCE(se.base_score, se.score) AS score
            FROM snippets sn JOIN sentiment se USING (dataset_id, snippet_id)
            WHERE sn.dataset_id = ? ORDER BY sn.snippet_id""", [dataset_id])

    def review_documents(self, dataset_id: int) -> tuple[pd.Series, pd.Series]:
        """review_id -> whole-review score and its roll-up weight, for the reviews that have one."""
        frame = self.query_df("SELECT review_id, document_score, document_weight FROM reviews WHERE dataset_id = ? "
                              "AND document_score IS NOT NULL", [dataset_id]).set_index("review_id")
        return frame["document_score"].astype(float), frame["document_weight"].astype(float)

    def set_sentiment(self, dataset_id: int, snippets: pd.DataFrame, reviews: pd.DataFrame, record: dict) -> None:
        """Replace snippet and review sentiment of one dataset in one transaction and log the calibration.

        snippets: snippet_id, score, label; reviews: review_id, score, label, mixed. The first replacement keeps the
        bundled score in base_score, so adaptations never compound and can be undone.
        """
        with self.transaction() as cur:
            cur.register("snip_in", snippets[["snippet_id", "score", "label"]])
            cur.execute("""UPDATE sentiment SET base_score = COALESCE(base_score, sentiment.score), score = s.score,
                           label = s.label FROM snip_in s
                           WHERE sentiment.dataset_id = ? AND sentiment.snippet_id = s.snippet_id""", [dataset_id])
            cur.register("rev_in", reviews[["review_id", "score", "label", "mixed"]])
            cur.execute("""UPDATE reviews SET sentiment_score = r.score, sentiment = r.label, mixed = r.mixed
                           FROM rev_in r WHERE reviews.dataset_id = ? AND reviews.review_id = r.review_id""", [dataset_id])
            cur.execute("INSERT INTO calibrations VALUES (?, now(), ?, ?, ?, ?, ?)",
                        [dataset_id, record["polar_reviews"], record["before"], record["after"], record["applied"],
                         json.dumps(record.get("detail", {}))])
            self._bump_version(cur)

    def calibrations(self, dataset_id: int) -> pd.DataFrame:
        return self.query_df("SELECT * FROM calibrations WHERE dataset_id = ? ORDER BY created_at", [dataset_id])

    def interactions(self) -> pd.DataFrame:
        return self.query_df("SELECT user_id AS user, item, event, value, ts, simulated FROM interactions ORDER BY ts")

    def rejects(self, dataset_id: int) -> pd.DataFrame:
        return self.query_df("SELECT row_no, reason, raw FROM rejects WHERE dataset_id = ? ORDER BY row_no", [dataset_id])
