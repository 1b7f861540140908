"""Issue 7.2: a full disk gives a clear error and an intact workspace (a small tmpfs mounted as root)."""
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from helpers import ROOT
from core.errors import WorkspaceError
from core.pipeline import Pipeline, Source
from core.store import Store


@pytest.fixture
def tiny_disk(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (make test runs as root in CI)")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("this container may not mount a tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_gives_a_clear_error_keeps_the_workspace_and_a_rerun_completes(tiny_disk, tmp_path, settings, fake_models):
    demo = pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype=str)
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    demo.iloc[:150].to_csv(small, index=False)
    many = pd.concat([demo] * 6, ignore_index=True)
    many["review_id"] = range(len(many))
    many["review_text"] = many["review_text"] + " #" + many.index.astype(str)  # distinct texts: nothing is cached
    many.to_csv(big, index=False)
    db = tiny_disk / "ws.duckdb"
    run_settings = settings.with_db(db)
    store = Store(db)
    Pipeline(run_settings, store, **fake_models).run(Source("small.csv", path=small))
    before = store.summary()
    with pytest.raises(WorkspaceError, match="disk holding the workspace is full"):
        Pipeline(run_settings, store, **fake_models).run(Source("big.csv", path=big))
    store.close()
    store = Store(db)  # reopens cleanly with the previous analysis, not a partial one
    after = store.summary()
    assert {k: after[k] for k in ("reviews", "snippets", "themes")} == {k: before[k] for k in ("reviews", "snippets", "themes")}
    assert store.runs(1).status.iloc[0] in ("failed", "interrupted")
    store.close()
    subprocess.run(["mount", "-o", "remount,size=256m", str(tiny_disk)], check=True)  # space freed
    store = Store(db)
    Pipeline(run_settings, store, **fake_models).run(Source("big.csv", path=big))
    assert store.summary()["reviews"] == before["reviews"] + len(many)
    store.close()
