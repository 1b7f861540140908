"""The CLI contract: bad input exits 2 with one line naming the problem and the fix; the workspace is unchanged."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import ROOT, write_reviews
from core.__main__ import main


def _workspace_state(db: Path):
    from core.store import Store

    store = Store(db)
    try:
        return store.summary()["reviews"], store.data_version(), len(store.datasets())
    finally:
        store.close()


@pytest.fixture
def db(tmp_path, monkeypatch, fake_models):
    """A workspace with one analysed dataset, made with the fake models."""
    from core.config import Settings
    from core.pipeline import Pipeline, Source
    from core.store import Store

    path = tmp_path / "w.duckdb"
    store = Store(path)
    Pipeline(Settings().with_db(path), store, **{"embedders": fake_models["embedders"],
                                                 "sentiment": fake_models["sentiment"]}).run(
        Source("r.csv", path=write_reviews(tmp_path / "r.csv", 30)))
    store.close()
    return path


@pytest.mark.parametrize("name,content,message", [
    ("missing.csv", None, "file not found"),
    ("empty.csv", b"", "is empty"),
    ("notext.csv", b"a,b,c\n1,2,3\n", "no text column found; columns are: a, b, c; pass --text-col"),
    ("binary.csv", bytes(range(256)) * 50, "not readable text"),
    ("fake.xlsx", b"this is not a spreadsheet", "not a valid .xlsx"),
    ("headeronly.csv", b"review,rating\n", "header but no rows"),
])
def test_bad_input_exits_2_with_one_line_and_workspace_unchanged(tmp_path, db, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    before = _workspace_state(db)
    code = main(["run", "--reviews", str(path), "--db", str(db), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert _workspace_state(db) == before


def test_wrong_column_override_names_the_columns(tmp_path, db, capsys):
    path = write_reviews(tmp_path / "x.csv", 5)
    assert main(["run", "--reviews", str(path), "--db", str(db), "--text-col", "nope", "--no-progress"]) == 2
    assert "column 'nope' (given for text) is not in the file" in capsys.readouterr().err


def test_summary_json_and_export_contract(tmp_path, db, capsys):
    assert main(["summary", "--db", str(db), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("reviews", "rejected", "snippets", "themes", "sentiment", "searches", "stage_seconds"):
        assert key in summary
    assert set(summary["sentiment"]) == {"positive", "neutral", "negative"} and summary["reviews"] == 30
    assert summary["cut_reviews"] == {}  # no review of this file was cut at a length limit
    assert isinstance(summary["alerts"], list)  # what the Overview flags (tests/unit/test_latent.py reads the demo's)
    out = tmp_path / "reviews.csv"
    assert main(["export", "--db", str(db), "--what", "reviews", "--out", str(out)]) == 0
    import pandas as pd

    exported = pd.read_csv(out, dtype=str)
    assert len(exported) == 30 and exported["review_id"].iloc[0] == "00000"


def test_summary_of_missing_workspace_is_a_plain_error(tmp_path, capsys):
    assert main(["summary", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no workspace at" in capsys.readouterr().err


def test_cli_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "core", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0
    for command in ("run", "summary", "export"):
        assert command in out.stdout


def test_recommend_eval_prints_the_json_contract(tmp_path, capsys):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    rows = [(f"u{u}", f"i{rng.integers(0, 30)}", rng.integers(1, 6), 1_600_000_000 + t * 60)
            for u in range(40) for t in range(8)]
    path = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["userId", "movieId", "rating", "timestamp"]).to_csv(path, index=False)
    assert main(["recommend-eval", "--interactions", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "temporal" in result["split"]
    assert {"popularity", "itemknn"} <= set(result["models"])
    for metrics in result["models"].values():
        assert set(metrics) == {"precision@10", "recall@10", "ndcg@10", "map@10", "coverage", "diversity", "novelty"}


def test_recommend_eval_without_item_column_is_a_plain_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("userId,foo\n1,2\n")
    assert main(["recommend-eval", "--interactions", str(path)]) == 2
    assert "no item column found" in capsys.readouterr().err


def test_backup_and_restore_round_trip(tmp_path, db, capsys):
    assert main(["backup", "--db", str(db), "--out", str(tmp_path / "bk")]) == 0
    assert main(["restore", "--backup", str(tmp_path / "bk"), "--db", str(tmp_path / "restored.duckdb")]) == 0
    assert _workspace_state(tmp_path / "restored.duckdb")[0] == _workspace_state(db)[0] == 30
    assert main(["restore", "--backup", str(tmp_path / "bk"), "--db", str(tmp_path / "restored.duckdb")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["backup", "--db", str(db), "--out", str(tmp_path / "bk")]) == 2  # never overwrites a backup


@pytest.fixture
def fake_analyse(monkeypatch, fake_models):
    """`python -m core run` analyses with the fake models."""
    from core import pipeline
    from core.store import Store

    def analyse(settings, reviews, searches=None, progress=None, store=None):
        store = Store(settings.db_path)
        try:
            return pipeline.Pipeline(settings, store, **fake_models).run(reviews, searches)
        finally:
            store.close()

    monkeypatch.setattr(pipeline, "analyse", analyse)


def test_run_stores_the_dashboard_views(tmp_path, fake_analyse, capsys):
    # `python -m core run` commits the analysis, then stores the unfiltered views the app's first visits read.
    from core import views
    from core.filters import Filters
    from core.store import Store

    path = write_reviews(tmp_path / "r.csv", 40)
    db = tmp_path / "w.duckdb"
    assert main(["run", "--reviews", str(path), "--db", str(db), "--no-progress"]) == 0
    assert "dashboard views:" in capsys.readouterr().err
    store = Store(db, read_only=True)
    try:
        stored = views.stored(store, "theme_table", store.data_version(), (Filters(),))
        assert stored is not views.MISSING
        import pandas as pd

        pd.testing.assert_frame_equal(stored, store.theme_table(Filters()))
    finally:
        store.close()


def test_run_replace_swaps_a_changed_file_for_its_earlier_analysis(tmp_path, fake_analyse, capsys):
    # `make demo` after the demo data changed: without --replace the new file became a second dataset beside the
    # old one and every count doubled; with it the newer export replaces the dataset of the same name
    from core.store import Store

    db = tmp_path / "w.duckdb"
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    folder_a.mkdir(), folder_b.mkdir()
    first, changed = write_reviews(folder_a / "reviews.csv", 30), write_reviews(folder_b / "reviews.csv", 36)
    other = write_reviews(tmp_path / "other.csv", 12)
    for path in (first, other):
        assert main(["run", "--reviews", str(path), "--db", str(db), "--no-progress"]) == 0
    assert main(["run", "--reviews", str(changed), "--db", str(db), "--no-progress", "--replace"]) == 0
    assert "replaced dataset 1" in capsys.readouterr().err
    store = Store(db, read_only=True)
    try:
        datasets = store.datasets()
        assert sorted(datasets["name"]) == ["other.csv", "reviews.csv"]  # the other file is left alone
        assert store.summary()["reviews"] == 36 + 12
    finally:
        store.close()
    # adding to a dataset and replacing it do not go together
    assert main(["run", "--reviews", str(changed), "--db", str(db), "--no-progress", "--replace", "--append-to", "1"]) == 2
    assert "pass one of them" in capsys.readouterr().err
    # the same file again is the same dataset (kept, not deleted), with or without --replace
    assert main(["run", "--reviews", str(changed), "--db", str(db), "--no-progress", "--replace"]) == 0
    assert main(["run", "--reviews", str(changed), "--db", str(db), "--no-progress"]) == 0
    store = Store(db, read_only=True)
    try:
        assert len(store.datasets()) == 2 and store.summary()["reviews"] == 48
    finally:
        store.close()


def test_cli_exports_search_intents_and_unmet_queries(tmp_path):
    from core.store import Store
    from helpers import analyse_demo

    path = tmp_path / "demo.duckdb"
    store = Store(path)
    analyse_demo(store)
    store.close()
    assert main(["export", "--db", str(path), "--what", "intents", "--out", str(tmp_path / "intents.csv")]) == 0
    assert main(["export", "--db", str(path), "--what", "unmet-queries", "--out", str(tmp_path / "unmet.xlsx")]) == 0
    intents = pd.read_csv(tmp_path / "intents.csv")
    assert {"label", "searches", "served", "unmet_searches", "need_type", "theme"} <= set(intents.columns)
    assert intents["searches"].sum() == 5120
    unmet = pd.read_excel(tmp_path / "unmet.xlsx")
    assert "petite" in " ".join(unmet["query"]) and (unmet["searches"] >= 3).all()


def test_summary_counts_the_reviews_a_file_cut_at_a_length_limit(tmp_path, capsys, fake_models):
    import random

    from core.config import Settings
    from core.pipeline import Pipeline, Source
    from core.store import Store

    rng = random.Random(8)
    words = "the fabric is soft and the fit runs small but the colour is lovely".split()
    natural = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 25))) + "." for _ in range(230)]
    cut = [" ".join(rng.choice(words) for _ in range(50))[:190] + " i wish it were emb" for _ in range(40)]
    path, db = tmp_path / "capped.csv", tmp_path / "w.duckdb"
    pd.DataFrame({"review": natural + cut, "rating": 4}).to_csv(path, index=False)
    store = Store(db)
    Pipeline(Settings().with_db(db), store, embedders=fake_models["embedders"],
             sentiment=fake_models["sentiment"]).run(Source("capped.csv", path=path))
    assert store.query_df("SELECT text FROM snippets WHERE text LIKE '%emb%'").empty  # the half word is gone
    store.close()
    assert main(["summary", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cut_reviews"] == {"1": 40}
