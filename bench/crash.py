"""Crash safety (issue 7.2): SIGKILL `python -m core run` at random moments and check the workspace every time.

    python bench/crash.py --kills 200        # the long version (about 40 minutes here)
    tests/unit/test_crash.py runs 20 kills in make test

A workspace first holds a complete analysis of file A. Each trial starts an analysis of file B in a separate process
and kills it with SIGKILL after a random delay: every other delay is spread over the whole run (start-up, ingest,
embedding, themes, sentiment, needs, keywords, the final transaction), the others over the analysis after start-up,
so the fast stages are hit too; one in ten comes right after the commit (the run has printed "done", the views are
being stored), so both sides of the commit are tested every time. After each kill the workspace must open, and `summary` must show
either only A (the kill came before the commit) or A and all of B (after it) - never anything in between: reviews,
snippets and themes are compared with the two reference states. The last step re-runs B to completion.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = ("reviews", "snippets", "themes", "rejected", "searches")


def _run(db: Path, reviews: Path, env: dict, stdout=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "core", "run", "--reviews", str(reviews), "--db", str(db), "--no-progress"],
                            cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.DEVNULL, text=True)


def _wait_for_commit(process: subprocess.Popen) -> None:
    """Block until the run reports its commit ("run N done in ..." is printed after the analysis transaction, before
    the dashboard views are stored), so the kill that follows lands after the commit; or until it exits."""
    for line in process.stdout:
        if " done in " in line:
            return


def _summary(db: Path) -> dict:
    from core.store import Store

    store = Store(db)
    try:
        summary = store.summary()
        stage = store.query_df("SELECT stage, status FROM runs ORDER BY run_id DESC LIMIT 1")
        return {**{k: summary[k] for k in KEYS}, "last_stage": None if stage.empty else stage.stage.iloc[0]}
    finally:
        store.close()


def _stage_seconds(db: Path) -> float:
    """Seconds the last run spent in its stages (start-up excluded)."""
    from core.store import Store

    store = Store(db)
    try:
        row = store.query_df("SELECT stage_seconds FROM runs ORDER BY run_id DESC LIMIT 1")
        return float(sum(json.loads(row.stage_seconds.iloc[0]).values())) if not row.empty else 0.0
    finally:
        store.close()


def _reset(snapshot: Path, db: Path) -> None:
    """Put the snapshot back. The killed process's write-ahead log must go too: DuckDB replays a leftover .wal onto
    whatever main file it finds, which would resurrect the previous trial's commit."""
    Path(str(db) + ".wal").unlink(missing_ok=True)
    shutil.copy(snapshot, db)


def prepare(workdir: Path, rows_a: int = 200, rows_b: int = 300) -> tuple[Path, Path]:
    demo = pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype=str, keep_default_na=False)
    a, b = workdir / "a.csv", workdir / "b.csv"
    demo.iloc[:rows_a].to_csv(a, index=False)
    demo.iloc[rows_a:rows_a + rows_b].to_csv(b, index=False)
    return a, b


def crash_trials(kills: int, workdir: Path, seed: int = 0, max_delay: float = 14.0, log=print) -> dict:
    """Returns {'kills', 'states': Counter, 'stages': Counter, 'bad': [...], 'rerun_ok'}."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"}
    a, b = prepare(workdir)
    db = workdir / "ws.duckdb"
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    assert _run(db, a, env).wait() == 0, "the first analysis failed"
    before = _summary(db)
    snapshot, reference = workdir / "previous.duckdb", workdir / "reference.duckdb"
    shutil.copy(db, snapshot)
    shutil.copy(db, reference)
    started = time.perf_counter()
    assert _run(reference, b, env).wait() == 0, "the reference analysis of B failed"
    wall = time.perf_counter() - started
    after = _summary(reference)
    # Most of a small run is start-up (imports, models); every other kill lands in the analysis proper, between the
    # end of start-up (wall time minus the stages' own seconds) and the end, so the fast stages are hit too.
    analysis_from = max(0.2, wall - _stage_seconds(reference))
    rng = random.Random(seed)
    states, stages, bad = Counter(), Counter(), []
    for trial in range(kills):
        _reset(snapshot, db)  # every trial starts from "A analysed", so each kill tests the commit boundary
        delay = rng.uniform(0.2, max_delay) if trial % 2 == 0 else rng.uniform(analysis_from, max(analysis_from, wall))
        if trial % 10 == 9:  # one kill in ten right after the commit, while the views are stored: "complete" each time
            process = _run(db, b, env, stdout=subprocess.PIPE)
            _wait_for_commit(process)
            delay = 0.0
        else:
            process = _run(db, b, env)
        try:
            process.wait(timeout=delay)
            finished = True
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            finished = False
        try:
            now = _summary(db)
        except Exception as exc:  # the workspace must always open
            bad.append(f"trial {trial}: workspace did not open after the kill: {exc}")
            log(bad[-1])
            break
        state = ("previous" if all(now[k] == before[k] for k in KEYS)
                 else "complete" if all(now[k] == after[k] for k in KEYS) else "PARTIAL")
        states[state if not finished else f"{state} (finished before the kill)"] += 1
        stages[now["last_stage"] or "start-up"] += 1
        if state == "PARTIAL":
            bad.append(f"trial {trial}: partial state {now} (previous {before}, complete {after})")
        log(f"kill {trial + 1}/{kills} after {delay:.1f}s in stage {now['last_stage']}: {state}")
    _reset(snapshot, db)
    rerun = _run(db, b, env)
    rerun_ok = rerun.wait() == 0 and all(_summary(db)[k] == after[k] for k in KEYS)
    return {"kills": kills, "states": dict(states), "stages": dict(stages), "bad": bad, "rerun_ok": rerun_ok}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/needlens_crash"))
    args = parser.parse_args()
    started = time.perf_counter()
    result = crash_trials(args.kills, args.workdir, args.seed)
    result["seconds"] = round(time.perf_counter() - started)
    print(json.dumps(result, indent=1))
    sys.exit(0 if not result["bad"] and result["rerun_ok"] else 1)


if __name__ == "__main__":
    main()
