"""Issue 7.3, short version: 8 browser sessions browse every page while session 0's upload is analysed
(bench/load.py --minutes 5 is the long one)."""
from __future__ import annotations

import shutil
import sys

import pandas as pd
import pytest

from helpers import ROOT
from test_browser import _requirements

sys.path.insert(0, str(ROOT / "bench"))

pytestmark = [pytest.mark.browser, pytest.mark.skipif(_requirements() is not None, reason=_requirements() or "")]


def test_eight_sessions_browse_every_page_during_an_analysis_without_errors_or_leaks(demo_workspace, tmp_path):
    from load import run_load

    from core.store import Store

    db = tmp_path / "load.duckdb"
    shutil.copy(demo_workspace, db)
    upload = tmp_path / "new_reviews.csv"
    pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype=str).sample(200, random_state=2).assign(
        review_id=lambda f: "n" + f["review_id"]).to_csv(upload, index=False)
    result = run_load(db, sessions=8, seconds=0, upload=upload)
    assert result["page_visits"] == 8 * 8
    assert not result["errors"], result["errors"]
    assert result["session1_filter_chips"] == 1 and not result["leaks"], result["leaks"]
    store = Store(db)
    runs = store.runs(5)
    store.close()
    # the upload's analysis was started; it may still have been running when the app was stopped (then it is
    # marked interrupted on reopen, with the previous analysis intact)
    assert "new_reviews.csv" in " ".join(runs.source) and runs.status.iloc[0] in ("done", "interrupted"), (
        runs[["source", "status", "stage", "error"]].to_dict("records"))
