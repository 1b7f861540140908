"""Background analyses: one job at a time per workspace, others queued, progress readable by any tab.

The dashboard's script thread only submits; a single worker thread runs the pipeline. Progress lives in the
runs table, so a reloaded page or a second tab reads the same job's stage, count and ETA.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from .config import Settings
from .pipeline import Pipeline, Source
from .store import Store

log = logging.getLogger("needlens.jobs")


class JobQueue:
    """FIFO queue of analyses over one workspace, drained by one worker thread."""

    def __init__(self, store: Store, settings: Settings,
                 pipeline_factory: Callable[[Settings, Store], Pipeline] | None = None,
                 on_done: Callable[[int], None] | None = None) -> None:
        """on_done(run_id) runs on the worker after each successful run (the dashboard warms its default views)."""
        self.store = store
        self.settings = settings
        self._factory = pipeline_factory or (lambda s, st: Pipeline(s, st))
        self._on_done = on_done
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.last_error: str | None = None

    def submit(self, reviews: Source | None, searches: Source | None = None, append_to: int | None = None) -> int:
        """Queue an analysis (or, with append_to, an incremental run into that dataset); returns its run id."""
        name = ", ".join(s.name for s in (reviews, searches) if s is not None)
        if append_to is not None:
            name += f" (added to dataset {append_to})"
        run_id = self.store.start_run(name, dataset_id=append_to, status="queued")
        self._queue.put((run_id, reviews, searches, append_to))
        self._ensure_worker()
        return run_id

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._drain, name="needlens-analysis", daemon=True)
                self._worker.start()

    def _drain(self) -> None:
        while True:
            try:
                run_id, reviews, searches, append_to = self._queue.get(timeout=1.0)
            except queue.Empty:
                return
            self.store.update_run(run_id, status="running")
            try:
                pipeline = self._factory(self.settings, self.store)
                if append_to is not None:
                    pipeline.append(append_to, reviews, run_id=run_id)
                    if searches is not None:
                        pipeline.run(None, searches)
                else:
                    pipeline.run(reviews, searches, run_id=run_id)
                if self._on_done is not None:
                    self._on_done(run_id)
            except Exception as exc:  # the pipeline already marked the run failed; keep serving the queue
                self.last_error = str(exc)
                log.warning("run %d failed: %s", run_id, exc)
            finally:
                self._queue.task_done()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the queue is empty (tests and the CLI); True when it finished in time."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
            return not worker.is_alive()
        return True
